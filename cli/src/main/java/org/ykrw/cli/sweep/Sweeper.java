package org.ykrw.cli.sweep;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.ykrw.core.diag.YkrwException;

/**
 * Runs a pass over many programs and compares each original with its transformed copy.
 *
 * <p>Per program, in its own scratch directory:
 * <ol>
 *   <li>copy the original to {@code a/NAME} and let the pass write {@code b/NAME}: both have the same
 *       basename and directories of the same length, so argv[0] and anything printed around it match
 *       once the directory is normalised;</li>
 *   <li>run both with each probe's arguments ({@code --version}, then {@code --help}) from the same
 *       empty working directory {@code run/};</li>
 *   <li>when they differ, more runs tell real differences from programs that do not print the same
 *       twice (an original that differs from itself, or a transformed copy that once agrees);</li>
 *   <li>delete the scratch directory.</li>
 * </ol>
 * Workers are threads of this JVM (the pass runs in-process); each gets a large stack because lifting
 * recurses deeply on big functions.
 */
public final class Sweeper {
    /** Arguments each program is run with, in order. */
    public static final List<List<String>> PROBES = List.of(List.of("--version"), List.of("--help"));

    private static final long WORKER_STACK = 256L << 20;
    private static final int RERUNS = 3;

    private final SweepPass pass;
    private final int jobs;
    private final ProgramRunner runner;
    private final Duration passTimeout;
    private final Path scratch;

    /**
     * @param pass what to do to each program
     * @param jobs number of programs handled at once
     * @param runTimeout limit for one run of a program
     * @param passTimeout limit for the pass on one program
     * @param scratch directory for the copies (created; emptied afterwards)
     */
    public Sweeper(SweepPass pass, int jobs, Duration runTimeout, Duration passTimeout, Path scratch) {
        this.pass = pass;
        this.jobs = jobs;
        this.runner = new ProgramRunner(runTimeout);
        this.passTimeout = passTimeout;
        this.scratch = scratch;
    }

    /**
     * @param programs the programs, in the order of the table
     * @param progressTo where progress goes (stderr)
     * @return one verdict per program, in input order
     */
    public List<ProgramVerdict> sweep(List<Path> programs, PrintStream progressTo) {
        AtomicInteger threadNumber = new AtomicInteger();
        ThreadFactory big = r -> {
            Thread t = new Thread(null, r, "sweep-" + threadNumber.incrementAndGet(), WORKER_STACK);
            t.setDaemon(true);
            return t;
        };
        ExecutorService workers = Executors.newFixedThreadPool(jobs, big);
        // The pass runs on a thread of its own so that a pass stuck in a loop costs a time limit, not the sweep.
        ExecutorService passes = Executors.newCachedThreadPool(big);
        try (SweepProgress progress = new SweepProgress(progressTo, programs.size())) {
            List<Future<ProgramVerdict>> futures = new ArrayList<>();
            for (int i = 0; i < programs.size(); i++) {
                Path program = programs.get(i);
                Path dir = scratch.resolve(Integer.toString(i));
                futures.add(workers.submit(() -> {
                    ProgramVerdict v = one(program, dir, passes);
                    progress.finished(v);
                    return v;
                }));
            }
            List<ProgramVerdict> out = new ArrayList<>();
            for (Future<ProgramVerdict> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new YkrwException("sweep interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException("sweep worker failed", e.getCause());
        } finally {
            workers.shutdownNow();
            passes.shutdownNow();
        }
    }

    private ProgramVerdict one(Path program, Path dir, ExecutorService passes) {
        long start = System.nanoTime();
        String name = program.getFileName().toString();
        try {
            Verdict v = compare(program, dir, passes);
            return new ProgramVerdict(name, v.outcome, v.detail, (System.nanoTime() - start) / 1e9);
        } catch (IOException e) {
            return new ProgramVerdict(name, Outcome.ERROR, "sweep I/O: " + e.getMessage(), (System.nanoTime() - start) / 1e9);
        } catch (RuntimeException e) {
            // One program must not end the sweep of the others: count it as a ykrw error and go on.
            return new ProgramVerdict(name, Outcome.ERROR, "sweep: " + e, (System.nanoTime() - start) / 1e9);
        } finally {
            deleteTree(dir);
        }
    }

    private record Verdict(Outcome outcome, String detail) {
    }

    private Verdict compare(Path program, Path dir, ExecutorService passes) throws IOException {
        String name = program.getFileName().toString();
        Path original = Files.createDirectories(dir.resolve("a")).resolve(name);
        Path transformed = Files.createDirectories(dir.resolve("b")).resolve(name);
        Path cwd = Files.createDirectories(dir.resolve("run"));
        Files.copy(program, original, StandardCopyOption.COPY_ATTRIBUTES);
        Future<?> job = passes.submit(() -> pass.apply(original, transformed));
        try {
            job.get(passTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            job.cancel(true);
            return new Verdict(Outcome.ERROR, pass.name() + " took longer than " + passTimeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            job.cancel(true);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof YkrwException y) {
                return new Verdict(Outcome.REFUSED, reason(y.getMessage(), original));
            }
            return new Verdict(Outcome.ERROR, "internal error: " + cause.getClass().getSimpleName() + ": "
                    + reason(String.valueOf(cause.getMessage()), original));
        }
        Verdict worst = new Verdict(Outcome.IDENTICAL, "");
        for (List<String> args : PROBES) {
            Verdict v = probe(original, transformed, args, cwd);
            if (v.outcome.compareTo(worst.outcome) > 0) {
                worst = v;
            }
        }
        return worst;
    }

    private Verdict probe(Path original, Path transformed, List<String> args, Path cwd) throws IOException {
        RunResult a = runner.run(original, args, cwd);
        RunResult b = runner.run(transformed, args, cwd);
        String what = String.join(" ", args);
        if (a.sameAs(b)) {
            return new Verdict(Outcome.IDENTICAL, "");
        }
        if (b.crashed() && !a.crashed()) {
            return new Verdict(Outcome.CRASHING, what + ": " + a.ending() + " vs " + b.ending());
        }
        // Programs that print what their children print, or the time, differ from themselves: up to three
        // more pairs of runs tell them apart from a real difference.
        for (int i = 0; i < RERUNS; i++) {
            RunResult again = runner.run(original, args, cwd);
            if (!a.sameAs(again) || a.sameAs(runner.run(transformed, args, cwd))) {
                return new Verdict(Outcome.UNSTABLE, what + ": output varies from run to run");
            }
        }
        String diff = a.timedOut() != b.timedOut() || a.status() != b.status() ? a.ending() + " vs " + b.ending()
                : !java.util.Arrays.equals(a.stdout(), b.stdout()) ? "stdout differs" : "stderr differs";
        return new Verdict(Outcome.DIFFERING, what + ": " + diff);
    }

    /** @return the message without the copy's path, so equal reasons of different programs group together */
    private static String reason(String message, Path copy) {
        String m = message.replace(copy.toString() + ": ", "").replace(copy.toString(), copy.getFileName().toString());
        return m.replace('\n', ' ');
    }

    /** Removes {@code dir} and everything in it, as far as possible. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // Programs may leave files behind that we cannot remove; the scratch root goes at the end.
        }
    }
}
