package org.ykrw.core.cfg;

/**
 * Options of CFG recovery.
 *
 * @param progress receives progress of long phases
 * @param maxJumpTableEntries tables claiming more entries than this are refused (a wrong bound, not a table)
 */
public record LiftOptions(ProgressListener progress, int maxJumpTableEntries) {
    /** @return the defaults: no progress reporting, tables of up to 65536 entries */
    public static LiftOptions defaults() {
        return new LiftOptions(ProgressListener.NONE, 65536);
    }

    /** @return these options reporting progress to {@code listener} */
    public LiftOptions withProgress(ProgressListener listener) {
        return new LiftOptions(listener, maxJumpTableEntries);
    }
}
