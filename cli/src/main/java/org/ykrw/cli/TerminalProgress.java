package org.ykrw.cli;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.ykrw.core.cfg.ProgressListener;

/**
 * Progress of a command's phases (lifting, passes, layout, writing, reading runs) as one bar per phase
 * on stderr, only when stderr is a terminal: a log file or a pipe gets nothing, so scripts and their
 * logs stay clean. A phase's bar appears once the phase has run for a second (quick phases leave no
 * line behind), then shows its name and elapsed time, so a phase that reports only its start and end
 * (layout) still shows what the command is doing.
 */
final class TerminalProgress implements ProgressListener, AutoCloseable {
    /** How long a phase runs before its bar appears; the system property {@code ykrw.progress.delay} (ms) sets it. */
    private static final long DELAY_MS = Long.getLong("ykrw.progress.delay", 1000);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ykrw-progress");
        t.setDaemon(true);
        return t;
    });
    private ProgressBar bar;
    private String phase;
    private ScheduledFuture<?> pending;
    private long done;
    private long total;

    private TerminalProgress() {
    }

    /** @return a listener drawing bars when stderr is a terminal, else {@link ProgressListener#NONE} */
    static ProgressListener open() {
        return Terminal.progressWanted() ? new TerminalProgress() : NONE;
    }

    /** Ends the bar of {@code listener} when it draws one. */
    static void close(ProgressListener listener) {
        if (listener instanceof TerminalProgress p) {
            p.close();
            p.timer.shutdownNow();
        }
    }

    @Override
    public synchronized void progress(String name, long doneNow, long totalNow) {
        done = doneNow;
        total = Math.max(totalNow, 1);
        if (!name.equals(phase)) {
            endPhase();
            phase = name;
            if (DELAY_MS <= 0) {
                show(name);
            } else {
                pending = timer.schedule(() -> show(name), DELAY_MS, TimeUnit.MILLISECONDS);
            }
        }
        if (bar != null) {
            bar.maxHint(total);
            bar.stepTo(done);
        }
    }

    /** Draws the bar of {@code name} when that phase is still running. */
    private synchronized void show(String name) {
        if (name.equals(phase) && bar == null) {
            bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
            bar.stepTo(done);
        }
    }

    private void endPhase() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
        if (bar != null) {
            bar.close();
            bar = null;
        }
        phase = null;
    }

    @Override
    public synchronized void close() {
        endPhase();
    }
}
