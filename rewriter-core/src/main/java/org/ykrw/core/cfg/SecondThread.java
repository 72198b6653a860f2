package org.ykrw.core.cfg;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.ykrw.core.diag.YkrwException;

/**
 * The one extra thread lifting may use, for the whole of {@link CfgBuilder#lift}: the second half of
 * the decoding sweep ({@link CodeImage}, in every mode), lifting ahead in every round
 * ({@link SpeculativeLifter}) and relaxing extra roots ({@link ExtraRoots}). One thread for all of
 * them, not one per use: each new thread starts on a fresh allocation buffer sized from the whole
 * young generation, whose unused rest counts as heap used when the thread ends.
 */
final class SecondThread implements AutoCloseable {
    /** Whether and how a second thread takes part. */
    enum Mode {
        /** lifting on the calling thread only */
        OFF,
        /** a second thread for rounds of at least {@link #PARALLEL_THRESHOLD} functions */
        AHEAD,
        /**
         * as AHEAD for rounds of any size, the second thread lifting with the starts known at each
         * round's start only, so that every start learnt later is checked against its lifts: for
         * tests of that check
         */
        STALE
    }

    /** Below this many functions in a round, a second thread costs more than it saves. */
    static final int PARALLEL_THRESHOLD = 64;
    /** The main thread's stack: deep recursion in lifting is sized for it (the launcher's -Xss16m). */
    private static final long STACK = 16L << 20;

    private final Mode mode;
    /** null when OFF; made on first use, so a program too small to use it starts no thread */
    private ExecutorService executor;

    SecondThread(Mode mode) {
        this.mode = mode;
    }

    /** @return true when {@code work} items are worth sharing with the second thread */
    boolean worthIt(int work) {
        return mode == Mode.STALE || mode == Mode.AHEAD && work >= PARALLEL_THRESHOLD;
    }

    /** @return whether lifts made ahead use the starts of the round's start only */
    boolean stale() {
        return mode == Mode.STALE;
    }

    /** Runs {@code task} on the second thread (after what it was given before). */
    Future<?> start(Runnable task) {
        if (executor == null) {
            executor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(null, r, "ykrw-lift", STACK);
                t.setDaemon(true);
                return t;
            });
        }
        return executor.submit(task);
    }

    /** Waits for a task {@link #start} returned; rethrows what it threw. */
    static void await(Future<?> task) {
        try {
            task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new YkrwException("interrupted while lifting", e);
        } catch (ExecutionException e) {
            rethrow(e.getCause());
        }
    }

    /** Throws {@code failure} of a task as it was thrown (a checked exception, which no task throws, wrapped). */
    static void rethrow(Throwable failure) {
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        throw new YkrwException("lifting failed: " + failure, failure);
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
