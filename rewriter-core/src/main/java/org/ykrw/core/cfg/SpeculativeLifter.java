package org.ykrw.core.cfg;

import com.carrotsearch.hppc.LongHashSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.concurrent.Future;
import java.util.function.LongPredicate;

/**
 * The work queue of one round of lifting, whose functions are taken in queue order by the main thread
 * (which commits each result and appends the functions it discovers), while a second thread lifts
 * functions ahead of their turn. The result of every function, and so the queue, is exactly what
 * lifting one function after the other gives.
 *
 * <p>Why a lift made ahead may be kept: lifting a function is deterministic in what it reads, and
 * all it reads stays the same during a round except the set of known function starts, which only
 * grows. What a lift reads through its {@link LiftContext}: the start set; the image, which decodes
 * on demand but gives the same instruction whichever thread asks first ({@link CodeImage#insnAt});
 * the FDE ranges (arrays copied when the context is made); the no-return predicate (a set fixed for
 * the round); jump-table slots ({@link TableReader}: the file's bytes and an unmodifiable map); the
 * landing pads (a map made with the starts) and the extra roots (a map changed only by
 * {@link ExtraRoots#relax}, after the worker has stopped). A lift begins with a mark, the number of starts learnt so far, and sees exactly the
 * starts known at the mark: the worker lifts with a set of its own, brought up to the mark by
 * {@link LiftContext#copyLearnt} under the lock the main thread learns starts under, and the main
 * thread, lifting ahead while the worker is busy with the function due, learns nothing during its
 * own lift. So no thread reads a start set another thread changes: no racy read to reason about.
 * While lifting, {@link KnownStarts} notes every address the walk asked about and got "not a start"
 * for (every question goes through it, and a "yes" stays true). At its turn, when no start learnt
 * since the mark is one of those addresses, every question gets the answer it got then, so the walk,
 * and its result, is what lifting now gives. The check is coarser than that, never finer: a start
 * learnt anywhere in the function's own range up to its last instruction (or in the range that holds
 * a function's overflow of misses) also rejects the lift, which is then done again on the main
 * thread.
 *
 * <p>Threads: the queue, the claims and the results are guarded by this object's lock. Only the main
 * thread appends, commits, learns starts and reads the results' side effects; the worker hands each
 * result over under the lock, which makes all it wrote visible to the main thread.
 */
final class SpeculativeLifter implements AutoCloseable {
    /** A lift made ahead of its turn, and what it must still hold for it to be kept. */
    private record Speculation(LiftedFunction function, int mark, long rangeFrom, long rangeTo,
            KnownStarts.Misses misses, Throwable failure) {
    }

    private final LiftContext ctx;
    /** entries the main thread skips (PLT stubs, functions kept from an earlier round): not worth lifting */
    private final LongPredicate skip;
    /** written by the main thread only, under the lock; the worker reads them under the lock */
    private long[] queue;
    private int queued;
    /** positions below this are claimed (by either thread) or skipped */
    private int claimed;
    /** lifts made ahead, by queue position; the main thread takes each at its turn */
    private Speculation[] results;
    private boolean closed;
    /** set when the worker has stopped: a position it claimed and left without a result is lifted in turn */
    private boolean workerStopped;
    /** the worker's task on the second thread, or null */
    private final Future<?> worker;
    /** counts for the timing line: kept, rejected at their turn, lifted at their turn */
    private int kept;
    private int rejected;
    private int liftedInTurn;

    /**
     * @param ctx the main thread's context
     * @param todo the first entries of the queue
     * @param skip entries the caller will not take (the worker does not lift them)
     * @param workerStarts the starts {@code ctx} knows before it learns any, as a set of its own (null
     *     to lift on the main thread only)
     * @param second where the worker runs (and whether it keeps lifting with {@code workerStarts} as
     *     they are: {@link SecondThread.Mode#STALE})
     */
    SpeculativeLifter(LiftContext ctx, Collection<Long> todo, LongPredicate skip, LongHashSet workerStarts,
            SecondThread second) {
        this.ctx = ctx;
        this.skip = skip;
        this.queue = new long[Math.max(16, todo.size() + todo.size() / 4)];
        for (long entry : todo) {
            queue[queued++] = entry;
        }
        this.results = new Speculation[queue.length];
        if (workerStarts != null) {
            LiftContext workerCtx = ctx.forWorker(workerStarts);
            boolean stale = second.stale();
            worker = second.start(() -> work(workerCtx, workerStarts, stale));
        } else {
            worker = null;
        }
    }

    /** @return the number of entries queued so far (main thread: the only one to write the queue) */
    int size() {
        return queued;
    }

    /** @return the entry at queue position {@code pos} (main thread) */
    long entry(int pos) {
        return queue[pos];
    }

    /** Appends an entry to the queue (main thread). */
    synchronized void add(long entry) {
        if (queued == queue.length) {
            queue = Arrays.copyOf(queue, 2 * queued);
            results = Arrays.copyOf(results, 2 * queued);
        }
        queue[queued++] = entry;
        notifyAll();
    }

    /**
     * Lifts the entry at queue position {@code pos}: the result lifting it now on the main thread
     * gives. Positions are taken in increasing order (main thread).
     */
    LiftedFunction take(int pos) {
        long entry = entry(pos);
        Speculation s = null;
        while (true) {
            int ahead;
            synchronized (this) {
                if (results[pos] != null) {
                    s = results[pos];
                    results[pos] = null;
                    break;
                }
                if (pos >= claimed || workerStopped) {
                    claimed = Math.max(claimed, pos + 1);  // nobody lifts it (any more): lift it now, below
                    break;
                }
                // The worker is lifting this one: lift one ahead meanwhile, or wait for it.
                ahead = claimNext();
                if (ahead < 0) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new org.ykrw.core.diag.YkrwException("interrupted while lifting", e);
                    }
                    continue;
                }
            }
            Speculation mine = speculate(ctx, entry(ahead), ctx.startsLearnt());
            synchronized (this) {
                results[ahead] = mine;
            }
        }
        if (s != null && s.failure == null
                && !ctx.learntSince(s.mark, s.rangeFrom, s.rangeTo, s.misses::contains)) {
            kept++;
            LiftedFunction f = s.function;
            f.liftedIn = ctx;
            f.startsKnown = ctx.startsLearnt();
            return f;
        }
        if (s != null) {
            rejected++;  // also a lift that failed on the worker: done here, it fails as it would have
        } else {
            liftedInTurn++;
        }
        return ExtraRoots.lift(ctx, entry);
    }

    /** @return the next position neither thread has claimed (now claimed), or -1. Holds the lock. */
    private int claimNext() {
        while (claimed < queued && skip.test(queue[claimed])) {
            claimed++;
        }
        return claimed < queued ? claimed++ : -1;
    }

    /** The worker: lifts the next unclaimed entry with the starts known when it begins, until closed. */
    private void work(LiftContext workerCtx, LongHashSet starts, boolean stale) {
        try {
            workUntilClosed(workerCtx, starts, stale);
        } finally {
            synchronized (this) {
                workerStopped = true;  // also on an error outside a lift: the main thread must not wait for it
                notifyAll();
            }
        }
    }

    private void workUntilClosed(LiftContext workerCtx, LongHashSet starts, boolean stale) {
        int synced = 0;
        while (true) {
            int pos = -1;
            long entry;
            synchronized (this) {
                while (!closed && (pos = claimNext()) < 0) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;  // the main thread lifts what is left
                    }
                }
                if (closed) {
                    return;
                }
                entry = queue[pos];
            }
            if (!stale) {
                synced = ctx.copyLearnt(synced, starts);
            }
            Speculation s = speculate(workerCtx, entry, synced);
            synchronized (this) {
                results[pos] = s;
                notifyAll();
            }
        }
    }

    /**
     * Lifts {@code entry} in {@code in}, whose start set is the one known at {@code mark}, noting
     * what the check at its turn needs.
     */
    private static Speculation speculate(LiftContext in, long entry, int mark) {
        KnownStarts starts = in.functionStarts();
        starts.startRecording();
        LiftedFunction f;
        try {
            f = FunctionLifter.lift(in, entry);
        } catch (RuntimeException | Error e) {
            starts.stopRecording(0, 0);
            return new Speculation(null, mark, 0, 0, null, e);
        }
        // Misses in the function's own range up to its last instruction are covered by the range.
        long to = f.reachedEnd();
        return new Speculation(f, mark, f.rangeStart, to, starts.stopRecording(f.rangeStart, to), null);
    }

    /** @return "kept/rejected/lifted in turn" counts, for the timing line */
    String counts() {
        return kept + " ahead, " + rejected + " redone, " + liftedInTurn + " in turn";
    }

    /** Stops the worker and waits for it (results it still makes are dropped). */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        if (worker != null) {
            SecondThread.await(worker);
        }
    }
}
