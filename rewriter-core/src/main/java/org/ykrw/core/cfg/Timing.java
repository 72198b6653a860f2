package org.ykrw.core.cfg;

/** Phase timings on stderr when the system property ykrw.timing is set (for profiling lifts). */
final class Timing {
    private static final boolean ON = Boolean.getBoolean("ykrw.timing");
    private static long last = System.nanoTime();

    private Timing() {
    }

    static void mark(String phase) {
        if (ON) {
            long now = System.nanoTime();
            System.err.printf("ykrw timing: %-22s %6d ms%n", phase, (now - last) / 1_000_000);
            last = now;
        }
    }
}
