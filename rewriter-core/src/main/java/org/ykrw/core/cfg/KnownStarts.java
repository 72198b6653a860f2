package org.ykrw.core.cfg;

import com.carrotsearch.hppc.LongHashSet;
import java.util.Arrays;

/**
 * The function starts one thread's lifting sees, which may note every address it was asked about
 * and answered "not a start" (a miss).
 *
 * <p>Why misses: the set only grows while a round of lifting runs, so a "yes" stays true; a lift made
 * with an older set differs from one made now only if an address it asked about and got "no" for has
 * since become a start. {@link SpeculativeLifter} checks exactly that before it keeps a lift made
 * ahead of its turn.
 *
 * <p>Not thread-safe: each thread lifting has its own (see {@link LiftContext#forWorker}).
 */
final class KnownStarts {
    /**
     * Misses kept one by one, repeats removed when full. A jump table read up to its index's width
     * asks about every slot's target, again for each attempt: past this many distinct misses, the
     * rest are kept as the range they span (coarser, never finer).
     */
    private static final int MAX_MISSES = 4096;

    /** What a recording noted: the misses, as addresses and as one range holding the overflow. */
    record Misses(long[] addresses, long spanFrom, long spanTo) {
        /** @return true when {@code address} was a miss (or may have been: it lies in the overflow range) */
        boolean contains(long address) {
            return address >= spanFrom && address < spanTo || Arrays.binarySearch(addresses, address) >= 0;
        }
    }

    private static final long[] NONE = {};
    private static final Misses NO_MISSES = new Misses(NONE, Long.MAX_VALUE, Long.MIN_VALUE);

    private final LongHashSet starts;
    private boolean recording;
    /** the misses noted since {@link #startRecording}, with repeats (until {@link #compact}) */
    private long[] misses;
    private int missCount;
    /** the range of the misses that did not fit, or empty (from > to) */
    private long overflowFrom;
    private long overflowTo;

    /** @param starts the set to answer from (grown through {@link #add} only by the owning thread) */
    KnownStarts(LongHashSet starts) {
        this.starts = starts;
    }

    /** @return true when {@code address} is a known function start (a "no" is noted while recording) */
    boolean contains(long address) {
        boolean known = starts.contains(address);
        if (!known && recording) {
            if (missCount == misses.length) {
                compact();  // leaves at most half of it full
            }
            misses[missCount++] = address;
        }
        return known;
    }

    /** Adds a start. */
    void add(long address) {
        starts.add(address);
    }

    /** Starts noting misses, forgetting those of an earlier recording. */
    void startRecording() {
        if (misses == null) {
            misses = new long[MAX_MISSES];  // kept for the thread's later recordings
        }
        recording = true;
        missCount = 0;
        overflowFrom = Long.MAX_VALUE;
        overflowTo = Long.MIN_VALUE;
    }

    /**
     * Stops noting misses.
     *
     * @param from start of a range whose misses need not be kept one by one (the caller checks the
     *     whole range anyway)
     * @param to its end (exclusive)
     * @return the misses outside [from, to)
     */
    Misses stopRecording(long from, long to) {
        recording = false;
        int n = 0;
        for (int i = 0; i < missCount; i++) {
            if (misses[i] < from || misses[i] >= to) {
                misses[n++] = misses[i];
            }
        }
        missCount = n;
        compact();
        if (missCount == 0 && overflowFrom > overflowTo) {
            return NO_MISSES;  // most functions: every address they asked about lies in their own range
        }
        long[] addresses = missCount == 0 ? NONE : Arrays.copyOf(misses, missCount);
        return new Misses(addresses, overflowFrom, overflowTo);
    }

    /** Sorts the misses and drops repeats; if they still fill more than half, moves them all to the overflow range. */
    private void compact() {
        Arrays.sort(misses, 0, missCount);
        int unique = 0;
        for (int i = 0; i < missCount; i++) {
            if (unique == 0 || misses[i] != misses[unique - 1]) {
                misses[unique++] = misses[i];
            }
        }
        missCount = unique;
        if (missCount > misses.length / 2) {
            overflowFrom = Math.min(overflowFrom, misses[0]);
            overflowTo = Math.max(overflowTo, misses[missCount - 1] + 1);
            missCount = 0;
        }
    }
}
