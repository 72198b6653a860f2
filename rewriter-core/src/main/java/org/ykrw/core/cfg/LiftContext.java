package org.ykrw.core.cfg;

import com.carrotsearch.hppc.LongArrayList;
import com.carrotsearch.hppc.LongHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongPredicate;

/**
 * What recursive descent of one function needs to know about the rest of the program. Asked once or
 * more per instruction, so the sets are on primitive longs and the FDE ranges a sorted array.
 *
 * <p>Threads: the main thread owns a context and is the only one to learn starts. A second thread
 * lifting ahead ({@link SpeculativeLifter}) uses {@link #forWorker a copy} that shares everything
 * else, all of which stays unchanged while a round of lifting runs (or, for the image, gives the same
 * answers whichever thread asks first), and has its own start set, brought up to date from
 * {@link #copyLearnt}.
 */
final class LiftContext {
    private final CodeImage image;
    private final KnownStarts functionStarts;
    private final LongPredicate noReturn;
    private final TableReader tables;
    private final int maxTableEntries;
    private final Map<Long, List<Long>> landingPads;
    private final Map<Long, Set<Long>> extraRoots;
    /** FDE starts in order and their ends: a snapshot, FDE ranges do not change while a context is in use */
    private final long[] frameStarts;
    private final long[] frameEnds;
    /**
     * starts added while lifting, in order: what a function lifted earlier did not know yet. Written by
     * the main thread only; other threads read it through {@link #copyLearnt} (both synchronized).
     */
    private final LongArrayList startsLearnt;

    /**
     * @param image decoded code
     * @param functionStarts every known function start (jumps there are tail calls); grows while lifting
     * @param frameRanges FDE ranges: pcBegin -> pcEnd (copied)
     * @param noReturn callee entry -> true when the call never returns
     * @param tables reads jump table entries
     * @param maxTableEntries largest acceptable table
     * @param landingPads FDE start -> landing pads of its LSDA (entered by the unwinder only)
     * @param extraRoots function entry -> addresses other functions jump to inside it (.cold fragments)
     */
    LiftContext(CodeImage image, LongHashSet functionStarts, TreeMap<Long, Long> frameRanges, LongPredicate noReturn,
            TableReader tables, int maxTableEntries, Map<Long, List<Long>> landingPads,
            Map<Long, Set<Long>> extraRoots) {
        this.image = image;
        this.functionStarts = new KnownStarts(functionStarts);
        this.startsLearnt = new LongArrayList();
        this.noReturn = noReturn;
        this.tables = tables;
        this.maxTableEntries = maxTableEntries;
        this.landingPads = landingPads;
        this.extraRoots = extraRoots;
        frameStarts = new long[frameRanges.size()];
        frameEnds = new long[frameRanges.size()];
        int i = 0;
        for (Map.Entry<Long, Long> e : frameRanges.entrySet()) {
            frameStarts[i] = e.getKey();
            frameEnds[i] = e.getValue();
            i++;
        }
    }

    /** A copy of {@code main} for another thread: its own start set, everything else shared. */
    private LiftContext(LiftContext main, LongHashSet functionStarts) {
        this.image = main.image;
        this.functionStarts = new KnownStarts(functionStarts);
        this.startsLearnt = main.startsLearnt;  // read only through main's copyLearnt
        this.noReturn = main.noReturn;
        this.tables = main.tables;
        this.maxTableEntries = main.maxTableEntries;
        this.landingPads = main.landingPads;
        this.extraRoots = main.extraRoots;
        this.frameStarts = main.frameStarts;
        this.frameEnds = main.frameEnds;
    }

    /**
     * @param functionStarts the starts this context knew before it learnt any (a separate set, which
     *     the other thread brings up to date with {@link #copyLearnt})
     * @return a context for another thread to lift in; it must not learn starts
     */
    LiftContext forWorker(LongHashSet functionStarts) {
        return new LiftContext(this, functionStarts);
    }

    CodeImage image() {
        return image;
    }

    KnownStarts functionStarts() {
        return functionStarts;
    }

    /** Adds a function start found while lifting (a call target, a code pointer). Main thread only. */
    void learnStart(long address) {
        functionStarts.add(address);
        synchronized (startsLearnt) {
            startsLearnt.add(address);
        }
    }

    /**
     * Adds the starts learnt since {@code from} to {@code into}; safe from any thread.
     *
     * @return how many starts were learnt so far: a mark for {@link #learntSince}, and the next
     *     {@code from}
     */
    int copyLearnt(int from, LongHashSet into) {
        synchronized (startsLearnt) {
            for (int i = from; i < startsLearnt.size(); i++) {
                into.add(startsLearnt.get(i));
            }
            return startsLearnt.size();
        }
    }

    /** @return how many starts were learnt so far: a mark for {@link #learntSince}. Main thread only. */
    int startsLearnt() {
        return startsLearnt.size();
    }

    /**
     * @return true when a start learnt after {@code mark} lies in [{@code from}, {@code to}) or is one
     *     {@code watched} accepts (the addresses a lift asked about outside that range). Main thread only.
     */
    boolean learntSince(int mark, long from, long to, LongPredicate watched) {
        for (int i = mark; i < startsLearnt.size(); i++) {
            long s = startsLearnt.get(i);
            if (s >= from && s < to || watched.test(s)) {
                return true;
            }
        }
        return false;
    }

    LongPredicate noReturn() {
        return noReturn;
    }

    TableReader tables() {
        return tables;
    }

    int maxTableEntries() {
        return maxTableEntries;
    }

    Map<Long, List<Long>> landingPads() {
        return landingPads;
    }

    Map<Long, Set<Long>> extraRoots() {
        return extraRoots;
    }

    /** @return the FDE range [start, end) holding {@code address}, or null */
    long[] frameRange(long address) {
        int i = floorIndex(address);
        return i >= 0 && address < frameEnds[i] ? new long[] {frameStarts[i], frameEnds[i]} : null;
    }

    /** What {@link #frameStartOf} answers for an address outside all FDE ranges (not a code address). */
    static final long NO_FRAME = Long.MIN_VALUE;

    /** @return the start of the FDE range holding {@code address}, or {@link #NO_FRAME} */
    long frameStartOf(long address) {
        int i = floorIndex(address);
        return i >= 0 && address < frameEnds[i] ? frameStarts[i] : NO_FRAME;
    }

    /** @return true when an FDE range holds {@code address} ({@link #frameRange} without allocating) */
    boolean inFrame(long address) {
        int i = floorIndex(address);
        return i >= 0 && address < frameEnds[i];
    }

    /** @return the index of the last FDE starting at or below {@code address}, or -1 */
    private int floorIndex(long address) {
        int i = java.util.Arrays.binarySearch(frameStarts, address);
        return i >= 0 ? i : -i - 2;
    }
}
