package org.ykrw.core.diag;

import java.lang.management.ManagementFactory;

/**
 * Phase timings on stderr when the system property ykrw.timing is set, for profiling whole commands
 * and the phases of lifting. Each line gives the wall time since the previous mark and the process's
 * CPU time over it (all threads, the JVM's compiler and collector included), so phases that run in
 * parallel, or that mostly compile or collect, show up as such. The first interval counts from the
 * JVM's start, so the first phase printed includes start-up and reading the input.
 */
public final class PhaseTimer {
    private static final boolean ON = Boolean.getBoolean("ykrw.timing");
    /** The management beans are touched only when timing is on: loading them costs start-up time. */
    private static final com.sun.management.OperatingSystemMXBean OS = ON
            ? (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()
            : null;
    private static long lastWall = ON
            ? System.nanoTime() - ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000L : 0;
    private static long lastCpu;

    private PhaseTimer() {
    }

    /** Prints the time since the previous mark under {@code phase}. */
    public static synchronized void mark(String phase) {
        if (ON) {
            long wall = System.nanoTime();
            long cpu = OS.getProcessCpuTime();
            System.err.printf("ykrw timing: %-26s %6d ms (cpu %6d ms)%n", phase, (wall - lastWall) / 1_000_000,
                    (cpu - lastCpu) / 1_000_000);
            lastWall = wall;
            lastCpu = cpu;
        }
    }

    /** Prints a line of detail about the phase running (not timed). */
    public static void note(String detail) {
        if (ON) {
            System.err.println("ykrw timing:   " + detail);
        }
    }
}
