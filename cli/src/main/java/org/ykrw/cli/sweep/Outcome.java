package org.ykrw.cli.sweep;

/** What happened to one program in a sweep, from best to worst (a program's outcome is its worst probe's). */
public enum Outcome {
    /** Transformed, and every probe printed and ended the same. */
    IDENTICAL("identical"),
    /** Transformed, probes differ, but so do runs of the original (children, time, PIDs, randomness). */
    UNSTABLE("unstable"),
    /** The pass refused the program with a one-line reason (ykrw's bad-input path). */
    REFUSED("refused"),
    /** Transformed, and some probe printed or ended differently while the original is stable. */
    DIFFERING("differing"),
    /** Transformed, and the new program died of a signal where the original did not. */
    CRASHING("crashing"),
    /** ykrw failed: an internal error or the pass ran past its time limit. */
    ERROR("ykrw error");

    private final String label;

    Outcome(String label) {
        this.label = label;
    }

    /** @return the word printed in the table */
    public String label() {
        return label;
    }

    /** @return true when the pass produced a program (whatever it then did) */
    public boolean transformed() {
        return this == IDENTICAL || this == UNSTABLE || this == DIFFERING || this == CRASHING;
    }
}
