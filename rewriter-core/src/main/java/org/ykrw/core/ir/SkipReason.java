package org.ykrw.core.ir;

/** Why a function is left where it is instead of being rewritten. */
public enum SkipReason {
    /**
     * The code lies where a language runtime looks it up by address (V8's embedded builtins): moved, it
     * would run where the runtime does not expect it. Its bytes stay as they are, without an entry jump.
     */
    FOUND_BY_ADDRESS,
    /** Bytes on a reachable path do not decode. */
    UNDECODABLE,
    /** Two reachable instructions overlap (a jump into the middle of another instruction). */
    OVERLAPPING_CODE,
    /** A reachable branch targets an address outside any executable section. */
    BAD_BRANCH_TARGET,
    /** An indirect jump that looks like a jump table could not be bounded. */
    UNRESOLVED_JUMP_TABLE,
    /**
     * An unresolved indirect jump that is no provable tail call (made with the function's frame on the
     * stack): it goes somewhere inside the function, e.g. a switch or computed goto whose table was not found.
     */
    UNRESOLVED_INDIRECT_JUMP,
    /** A PLT stub: tiny, reached through the GOT, nothing to rewrite. */
    PLT_STUB
}
