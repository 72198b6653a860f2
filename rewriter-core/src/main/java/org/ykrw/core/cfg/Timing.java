package org.ykrw.core.cfg;

/** Phase timings on stderr when the system property ykrw.timing is set (for profiling lifts). */
final class Timing {
    private static final boolean ON = Boolean.getBoolean("ykrw.timing");
    /**
     * Counted from the JVM's start, so the first phase printed includes start-up and reading the input.
     * The management bean is loaded only when timing is on: it costs start-up time.
     */
    private static long last = ON
            ? System.nanoTime() - java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000L
            : 0;

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
