package org.ykrw.cli.sweep;

import java.util.Arrays;

/**
 * How one run of a program ended: exit status (128 + N after signal N, as Java reports it), whether it
 * was stopped by the time limit, and what it printed (capped, and normalised by
 * {@link ProgramRunner#normalise} so two copies in different directories and processes print the same).
 *
 * @param status exit status, meaningless when {@code timedOut}
 * @param timedOut the time limit was hit and the process killed
 * @param stdout normalised standard output
 * @param stderr normalised standard error
 */
public record RunResult(int status, boolean timedOut, byte[] stdout, byte[] stderr) {
    /** Signals that mean the program crashed rather than chose to stop. */
    private static final int[] CRASH_SIGNALS = {4, 5, 6, 7, 8, 11, 31};

    /** @return true when the process died of SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV or SIGSYS */
    public boolean crashed() {
        if (timedOut || status <= 128) {
            return false;
        }
        int signal = status - 128;
        return Arrays.stream(CRASH_SIGNALS).anyMatch(s -> s == signal);
    }

    /** @return true when {@code other} ended the same way and printed the same bytes */
    public boolean sameAs(RunResult other) {
        return timedOut == other.timedOut && (timedOut || status == other.status)
                && Arrays.equals(stdout, other.stdout) && Arrays.equals(stderr, other.stderr);
    }

    /** @return "exit 1", "signal 11" or "timeout" */
    public String ending() {
        if (timedOut) {
            return "timeout";
        }
        return status > 128 ? "signal " + (status - 128) : "exit " + status;
    }
}
