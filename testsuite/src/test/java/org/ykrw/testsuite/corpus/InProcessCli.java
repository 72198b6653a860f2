package org.ykrw.testsuite.corpus;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.ykrw.cli.Main;

/**
 * Runs the ykrw command line inside the test JVM (a subprocess per case would cost a JVM start each),
 * capturing what it prints. Calls are serialised: System.out and System.err are process-wide. A call
 * runs on a worker thread with a time limit; anything thrown out of {@link Main#execute} (an Error
 * picocli does not catch, such as OutOfMemoryError) is returned as the failure, not rethrown.
 */
final class InProcessCli implements AutoCloseable {
    /** What one call did. {@code escaped} is a throwable that got out of Main, {@code timedOut} a hang. */
    record Run(int exit, String stdout, String stderr, Throwable escaped, boolean timedOut) {
    }

    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        // Lifting recurses; the CLI launcher gives the JVM a 16 MiB stack, give the worker as much.
        Thread t = new Thread(null, r, "in-process-ykrw", 64L << 20);
        t.setDaemon(true);
        return t;
    });
    private final Duration limit;

    InProcessCli(Duration limit) {
        this.limit = limit;
    }

    synchronized Run run(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            Future<Integer> f = worker.submit(() -> Main.execute(args.toArray(String[]::new)));
            try {
                int exit = f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
                return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), null, false);
            } catch (TimeoutException e) {
                f.cancel(true);
                return new Run(-1, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), null, true);
            } catch (ExecutionException e) {
                return new Run(-1, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), e.getCause(), false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
