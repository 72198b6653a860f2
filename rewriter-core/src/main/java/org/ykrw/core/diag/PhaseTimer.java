package org.ykrw.core.diag;

import java.lang.management.ManagementFactory;

/**
 * Phase timings on stderr when the system property ykrw.timing is set, for profiling whole commands
 * (lifting has its own, finer marks in the cfg package). Each line gives the wall time since the
 * previous mark and the process's CPU time over it (all threads, the JVM's compiler and collector
 * included), so phases that run in parallel, or that mostly compile or collect, show up as such.
 */
public final class PhaseTimer {
    private static final boolean ON = Boolean.getBoolean("ykrw.timing");
    /** The management beans are touched only when timing is on: loading them costs start-up time. */
    private static final com.sun.management.OperatingSystemMXBean OS = ON
            ? (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()
            : null;
    private static long lastWall = System.nanoTime();
    private static long lastCpu = ON ? OS.getProcessCpuTime() : 0;

    private PhaseTimer() {
    }

    /** @return true when marks print */
    public static boolean on() {
        return ON;
    }

    /** Starts a new interval without printing (e.g. at the start of a phase group). */
    public static synchronized void restart() {
        if (ON) {
            lastWall = System.nanoTime();
            lastCpu = OS.getProcessCpuTime();
        }
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
}
