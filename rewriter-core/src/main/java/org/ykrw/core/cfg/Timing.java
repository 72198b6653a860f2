package org.ykrw.core.cfg;

import java.lang.management.ManagementFactory;

/**
 * Phase timings on stderr when the system property ykrw.timing is set (for profiling lifts): wall
 * time and the CPU time of the whole process (all threads, JIT compilers included), which a busy
 * machine disturbs far less.
 */
final class Timing {
    private static final boolean ON = Boolean.getBoolean("ykrw.timing");
    /**
     * Counted from the JVM's start, so the first phase printed includes start-up and reading the input.
     * The management bean is loaded only when timing is on: it costs start-up time.
     */
    private static long last = ON ? System.nanoTime() - ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000L : 0;
    private static long lastCpu;

    private Timing() {
    }

    static void mark(String phase) {
        if (ON) {
            long now = System.nanoTime();
            long cpu = processCpuNanos();
            System.err.printf("ykrw timing: %-22s %6d ms  cpu %6d ms%n", phase, (now - last) / 1_000_000,
                    (cpu - lastCpu) / 1_000_000);
            last = now;
            lastCpu = cpu;
        }
    }

    /** Prints a line of detail about the phase running (not timed). */
    static void note(String detail) {
        if (ON) {
            System.err.println("ykrw timing:   " + detail);
        }
    }

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }
}
