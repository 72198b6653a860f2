package org.ykrw.core.ir;

/** Lifecycle of a function (STYLE.md habit 2); methods that need a CFG check it. */
public enum FunctionState {
    /** Its start is known; nothing is decoded yet. */
    DISCOVERED,
    /** Blocks and edges are built. */
    CFG,
    /** Lifted, but must not be rewritten: see {@link Function#skipReason()}. */
    SKIPPED
}
