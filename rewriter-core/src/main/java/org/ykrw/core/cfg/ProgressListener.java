package org.ykrw.core.cfg;

/** Receives progress of long-running phases, e.g. to draw a progress bar. */
@FunctionalInterface
public interface ProgressListener {
    /** Ignores all progress. */
    ProgressListener NONE = (phase, done, total) -> { };

    /**
     * @param phase short name of the phase ("lifting")
     * @param done units finished
     * @param total units in all (may grow as work is discovered)
     */
    void progress(String phase, long done, long total);
}
