package org.ykrw.core.ir;

/**
 * An indirect jump whose targets could not be recovered.
 *
 * @param address address of the jump
 * @param function the function holding it
 * @param reason one phrase saying what was missing
 * @param looksLikeTable true when it indexes memory like a jump table (a real miss, not a pointer tail call)
 * @param provableTailCall true when it can only leave the function: it does not look like a table, and the
 *        stack pointer is provably at its entry value there ({@link org.ykrw.core.analysis.StackHeight}),
 *        or it jumps through a fixed memory slot (a GOT entry: the lazy-binding stub's hop into ld.so)
 * @param insideFrame true when it is provably no tail call: made with the function's own frame still on
 *        the stack, it goes somewhere inside the function (a switch or computed goto whose table was not
 *        found); such a function stays in place, as one with an unresolved table does
 */
public record UnresolvedJump(long address, Function function, String reason, boolean looksLikeTable,
        boolean provableTailCall, boolean insideFrame) {
    /** @return true when it may be a jump table the analysis missed: anything but a provable tail call */
    public boolean mayBeTable() {
        return !provableTailCall;
    }
}
