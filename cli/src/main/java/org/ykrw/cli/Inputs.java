package org.ykrw.cli;

import java.nio.file.Path;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.cfg.ProgressListener;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.Program;

/** Reading and lifting an input for a command, with progress bars when stderr is a terminal ({@link TerminalProgress}). */
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
     * Runs a job that lifts (and rewrites), with options whose listener draws a bar per phase on stderr
     * when it is a terminal (and none otherwise, so logs and pipes stay clean).
     *
     * @param job what to run with the options
     * @return what the job returns
     */
    static <T> T withProgress(java.util.function.Function<LiftOptions, T> job) {
        ProgressListener listener = TerminalProgress.open();
        try {
            return job.apply(LiftOptions.defaults().withProgress(listener));
        } finally {
            TerminalProgress.close(listener);
        }
    }
}
