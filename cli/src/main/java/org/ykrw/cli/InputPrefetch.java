package org.ykrw.cli;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.cfg.ProgressListener;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.Program;

/**
 * Reads and lifts the input of {@code stats} and {@code cfg} on a thread of its own from the first
 * moment of {@code main}, while picocli builds its model and parses the command line on the main
 * thread: ~80 ms of class loading and reflection that otherwise come before any real work, with the
 * second core idle.
 *
 * <p>The guess is only a head start, never a different answer: the input is taken to be the argument
 * right after the command name, and the command uses the result only when picocli gives it the same
 * path; lifting does not depend on the thread it runs on. Whatever the lift throws (bad input, an
 * Error) is thrown again, unchanged, where the command would have met it. A command line picocli
 * rejects just exits; the daemon thread dies with the JVM. Progress reaches the command's bar once the
 * command takes the result over, so nothing is drawn for a command line that turns out to be wrong.
 */
final class InputPrefetch {
    private static final Set<String> COMMANDS = Set.of("stats", "cfg");
    /** The one prefetch of this process, until a command takes it. */
    private static volatile InputPrefetch pending;

    private final Path path;
    private final CompletableFuture<Program> lifted = new CompletableFuture<>();
    private volatile ProgressListener progress = ProgressListener.NONE;

    private InputPrefetch(Path path) {
        this.path = path;
    }

    /** Starts lifting the input of {@code args} when they name a lifting command and a file first. */
    static void start(String[] args) {
        if (args.length < 2 || !COMMANDS.contains(args[0]) || args[1].startsWith("-")) {
            return;
        }
        Path path;
        try {
            path = Path.of(args[1]);
        } catch (InvalidPathException e) {
            return;
        }
        if (!Files.isRegularFile(path)) {
            return;
        }
        InputPrefetch prefetch = new InputPrefetch(path);
        pending = prefetch;
        Thread t = new Thread(prefetch::run, "ykrw-input-prefetch");
        t.setDaemon(true);
        t.start();
    }

    private void run() {
        try {
            ElfFile elf = ElfFile.read(path);
            lifted.complete(CfgBuilder.lift(elf, LiftOptions.defaults()
                    .withProgress((phase, done, total) -> progress.progress(phase, done, total))));
        } catch (Throwable e) {
            lifted.completeExceptionally(e);
        }
    }

    /** @return the prefetch of {@code path}, handed out once; null when none was started for it */
    static InputPrefetch take(Path path) {
        InputPrefetch p = pending;
        if (p == null || !p.path.equals(path)) {
            return null;
        }
        pending = null;
        return p;
    }

    /**
     * Waits for the lift, reporting its progress from now on to {@code listener}.
     *
     * @return the lifted program; what the lift threw is thrown as it was
     */
    Program join(ProgressListener listener) {
        progress = listener;
        try {
            return lifted.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }
}
