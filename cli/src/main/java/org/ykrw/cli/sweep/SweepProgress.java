package org.ykrw.cli.sweep;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress on stderr: a bar on a terminal, otherwise a counter line every 5% (a log file should not
 * fill with carriage returns).
 */
final class SweepProgress implements AutoCloseable {
    private final PrintStream err;
    private final int total;
    private final ProgressBar bar;
    private int done;
    private int lastPercent;

    SweepProgress(PrintStream err, int total) {
        this.err = err;
        this.total = total;
        this.bar = !org.ykrw.cli.Terminal.progressWanted() ? null : new ProgressBarBuilder().setTaskName("sweep")
                .setInitialMax(Math.max(total, 1)).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(err)).build();
    }

    synchronized void finished(ProgramVerdict v) {
        done++;
        if (bar != null) {
            bar.step();
            bar.setExtraMessage(v.name());
            return;
        }
        int percent = total == 0 ? 100 : done * 100 / total;
        if (percent / 5 != lastPercent / 5 || done == total) {
            lastPercent = percent;
            err.printf("ykrw: sweep %d/%d (%d%%), last: %s %s%n", done, total, percent, v.name(), v.outcome().label());
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
