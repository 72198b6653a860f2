package org.ykrw.core.cfg;

/**
 * Options of CFG recovery.
 *
 * @param progress receives progress of long phases
 * @param maxJumpTableEntries tables claiming more entries than this are refused (a wrong bound, not a table)
 * @param speculativeLifting whether a second thread may lift functions ahead of their turn (the result
 *     is the same either way: off only to compare with lifting on one thread)
 */
public record LiftOptions(ProgressListener progress, int maxJumpTableEntries, boolean speculativeLifting) {
    /**
     * @param progress receives progress of long phases
     * @param maxJumpTableEntries largest acceptable jump table
     */
    public LiftOptions(ProgressListener progress, int maxJumpTableEntries) {
        this(progress, maxJumpTableEntries, true);
    }

    /** @return the defaults: no progress reporting, tables of up to 65536 entries, a second lifting thread */
    public static LiftOptions defaults() {
        return new LiftOptions(ProgressListener.NONE, 65536);
    }

    /** @return these options reporting progress to {@code listener} */
    public LiftOptions withProgress(ProgressListener listener) {
        return new LiftOptions(listener, maxJumpTableEntries, speculativeLifting);
    }

    /** @return these options lifting on the calling thread only */
    public LiftOptions sequential() {
        return new LiftOptions(progress, maxJumpTableEntries, false);
    }
}
