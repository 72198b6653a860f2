package org.ykrw.core.ir;

/** Why control can pass from one block to another. */
public enum EdgeKind {
    /** Falls into the next block (after a non-branch, a conditional branch or a returning call). */
    FALL_THROUGH,
    /** Direct unconditional jump inside the function. */
    BRANCH,
    /** Taken side of a direct conditional branch. */
    CONDITIONAL,
    /** Direct call to a function entry (the block goes on after it unless the callee never returns). */
    CALL,
    /** Jump to another function (direct or through a pointer), ending this function's path. */
    TAIL_CALL,
    /** Function return. */
    RETURN,
    /** One target of a resolved jump table. */
    JUMP_TABLE,
    /** Indirect jump whose targets are unknown. */
    INDIRECT
}
