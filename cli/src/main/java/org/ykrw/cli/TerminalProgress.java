package org.ykrw.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.ykrw.core.cfg.ProgressListener;

/**
 * Progress of a command's phases (lifting, layout, writing, reading runs) as one bar per phase on
 * stderr, only when stderr is a terminal: a log file or a pipe gets nothing, so scripts and their logs
 * stay clean. A bar shows its phase's name and elapsed time, so a phase that reports only its start and
 * end (layout) still shows what the command is doing.
 */
final class TerminalProgress implements ProgressListener, AutoCloseable {
    private ProgressBar bar;
    private String phase;

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
        }
    }

    @Override
    public synchronized void progress(String name, long done, long total) {
        if (!name.equals(phase)) {
            close();
            phase = name;
            bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(Math.max(total, 1))
                    .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        }
        bar.maxHint(Math.max(total, 1));
        bar.stepTo(done);
    }

    @Override
    public synchronized void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        phase = null;
    }
}
