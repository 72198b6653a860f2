package org.ykrw.cli;

import java.nio.file.Path;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.cfg.ProgressListener;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.Program;

/** Reading and lifting an input for a command, with a progress bar when stderr is a terminal. */
final class Inputs {
    private Inputs() {
    }

    /** @return the lifted program of {@code path} */
    static Program lift(Path path) {
        InputPrefetch ahead = InputPrefetch.take(path);
        if (ahead != null) {
            return withProgress(options -> ahead.join(options.progress()));
        }
        ElfFile elf = ElfFile.read(path);
        return withProgress(options -> CfgBuilder.lift(elf, options));
    }

    /**
     * Runs a job that lifts, with lifting options that draw a progress bar on stderr when it is a
     * terminal (and no bar otherwise, so logs and pipes stay clean).
     *
     * @param job what to run with the options
     * @return what the job returns
     */
    static <T> T withProgress(java.util.function.Function<LiftOptions, T> job) {
        if (System.console() == null) {
            return job.apply(LiftOptions.defaults());
        }
        ProgressBar[] bar = new ProgressBar[1];
        String[] phase = new String[1];
        ProgressListener listener = (name, done, total) -> {
            if (!name.equals(phase[0])) {
                if (bar[0] != null) {
                    bar[0].close();
                }
                phase[0] = name;
                bar[0] = new ProgressBarBuilder().setTaskName(name).setInitialMax(Math.max(total, 1))
                        .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                        .build();
            }
            bar[0].maxHint(Math.max(total, 1));
            bar[0].stepTo(done);
        };
        try {
            return job.apply(LiftOptions.defaults().withProgress(listener));
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
        }
    }
}
