package org.ykrw.core.cfg;

import com.carrotsearch.hppc.LongArrayList;
import com.carrotsearch.hppc.LongHashSet;
import com.carrotsearch.hppc.LongObjectHashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Jumps into the middle of another function (hot code into its .cold fragment and back) make the
 * target an extra root of the function owning that FDE. After a round of lifting, owners gain their
 * new roots until no root is new: most are extended from them, the rest lifted anew.
 */
final class ExtraRoots {
    /** How far past its code a function's walk looks for function starts: 8 NOPs of at most 15 bytes. */
    private static final int PADDING_LOOKAHEAD = 8 * 15 + 1;

    private ExtraRoots() {
    }

    /** Lifts the function at {@code entry}, noting the context and what it knew of function starts. */
    static LiftedFunction lift(LiftContext ctx, long entry) {
        LiftedFunction f = FunctionLifter.lift(ctx, entry);
        f.liftedIn = ctx;
        f.startsKnown = ctx.startsLearnt();
        return f;
    }

    /**
     * @param ctx the context {@code out} was lifted in
     * @param out lifted functions by entry (values are replaced by what is lifted anew)
     * @param roots function entry -> extra roots, the map {@code ctx} hands out (grown here)
     * @param second a thread that may take part (same result)
     */
    static void relax(LiftContext ctx, Map<Long, LiftedFunction> out, Map<Long, Set<Long>> roots,
            SecondThread second) {
        // The entries do not change here, only what is lifted at them.
        LongObjectHashMap<LiftedFunction> byEntry = new LongObjectHashMap<>(out.size());
        for (LiftedFunction f : out.values()) {
            byEntry.put(f.entry, f);
        }
        // Per function with jumps into other functions' FDE ranges: {target, owner entry} pairs, in the
        // order functions and targets are visited (address order), so roots grow in the same order.
        TreeMap<Long, long[]> pairs = new TreeMap<>();
        for (LiftedFunction f : out.values()) {
            putPairs(ctx, byEntry, f, pairs);
        }
        LongHashSet relifted = null;  // functions lifted again in the previous round; null in the first
        for (int round = 0; round < 16; round++) {
            LongHashSet dirty = new LongHashSet();
            LongArrayList dirtyOrder = new LongArrayList();
            for (Map.Entry<Long, long[]> e : pairs.entrySet()) {
                boolean sourceNew = relifted == null || relifted.contains(e.getKey());
                long[] p = e.getValue();
                for (int i = 0; i < p.length; i += 2) {
                    long t = p[i];
                    long ownerEntry = p[i + 1];
                    // A pair whose two functions are unchanged since it was last looked at gives the same
                    // answer again: its target was a leader already, or already a root.
                    if (!sourceNew && !relifted.contains(ownerEntry)) {
                        continue;
                    }
                    LiftedFunction owner = byEntry.get(ownerEntry);
                    if (!owner.leaders.contains(t) && roots.computeIfAbsent(ownerEntry, k -> new HashSet<>()).add(t)
                            && dirty.add(ownerEntry)) {
                        dirtyOrder.add(ownerEntry);
                    }
                }
            }
            if (dirty.size() == 0) {
                return;
            }
            // Each owner's new lift depends on the roots only, not on the others': any order will do,
            // also two threads at once. The results are applied in order.
            LiftedFunction[] relaxed = relaxAll(ctx, byEntry, dirtyOrder, second);
            for (int i = 0; i < dirtyOrder.size(); i++) {
                long entry = dirtyOrder.get(i);
                LiftedFunction f = relaxed[i];
                if (f != byEntry.get(entry)) {
                    out.put(entry, f);
                    byEntry.put(entry, f);
                }
                pairs.remove(entry);
                putPairs(ctx, byEntry, f, pairs);
            }
            relifted = dirty;
        }
    }

    /**
     * Extends or lifts anew each of {@code entries} (nothing else changes meanwhile: no start is learnt
     * and the roots stay as they are, so each result depends on its own function only).
     *
     * @return per entry, the function extended in place or lifted anew
     */
    private static LiftedFunction[] relaxAll(LiftContext ctx, LongObjectHashMap<LiftedFunction> byEntry,
            LongArrayList entries, SecondThread second) {
        int n = entries.size();
        LiftedFunction[] relaxed = new LiftedFunction[n];
        if (!second.worthIt(n)) {
            for (int i = 0; i < n; i++) {
                relaxed[i] = relaxOne(ctx, byEntry.get(entries.get(i)));
            }
            return relaxed;
        }
        // Both threads take the next index; each writes only its own slots, read after the other is done.
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        Throwable[] failures = new Throwable[n];
        Runnable work = () -> {
            for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                try {
                    relaxed[i] = relaxOne(ctx, byEntry.get(entries.get(i)));
                } catch (RuntimeException | Error e) {
                    failures[i] = e;
                }
            }
        };
        java.util.concurrent.Future<?> helper = second.start(work);
        work.run();
        SecondThread.await(helper);
        for (Throwable t : failures) {  // the first in order fails the lift, as on one thread
            if (t != null) {
                SecondThread.rethrow(t);
            }
        }
        return relaxed;
    }

    /** @return f extended from its new roots, or lifted anew when extending could differ */
    private static LiftedFunction relaxOne(LiftContext ctx, LiftedFunction f) {
        return extendable(ctx, f) && FunctionLifter.extend(ctx, f) ? f : lift(ctx, f.entry);
    }

    /**
     * Whether walking from new roots on top of f's lift gives exactly what lifting f anew gives. It
     * does when f's instructions are the closure of its roots under "next and branch targets",
     * whatever the order they are walked in: no overlapping or undecodable code (which of two
     * overlapping instructions is kept depends on the order), no running into the next function
     * (fallsInto keeps the last one seen), no indirect jump (tables are resolved from the code walked
     * so far), and the same context, where no start learnt since f was lifted lies where its walk
     * looked: its range, the padding after its code, the other functions' code it jumps into, its
     * branch targets (a jump past the end of its FDE onto padding asks there and adds no instruction,
     * so its code need not reach that far). With no indirect jump and no problem, those are all the
     * addresses its walk asked the start set about, and got "no" for (SpeculativeLifter records them
     * instead). {@link FunctionLifter#extend} checks the same of the code it adds.
     */
    private static boolean extendable(LiftContext ctx, LiftedFunction f) {
        return f.liftedIn == ctx && f.problems.isEmpty() && f.fallsInto == -1 && !f.insns.hasIndirectJump()
                && !ctx.learntSince(f.startsKnown, f.rangeStart, f.reachedEnd() + PADDING_LOOKAHEAD,
                        a -> f.externalEntries.contains(a) || f.leaders.contains(a));
    }

    /** Records f's jumps into the FDE ranges of lifted functions as {target, owner entry} pairs. */
    private static void putPairs(LiftContext ctx, LongObjectHashMap<LiftedFunction> byEntry, LiftedFunction f,
            TreeMap<Long, long[]> pairs) {
        if (f.externalEntries.isEmpty()) {
            return;
        }
        long[] p = new long[2 * f.externalEntries.size()];
        int n = 0;
        for (int i = 0; i < f.externalEntries.size(); i++) {
            long t = f.externalEntries.get(i);
            long owner = ctx.frameStartOf(t);
            if (owner != LiftContext.NO_FRAME && byEntry.get(owner) != null) {
                p[n++] = t;
                p[n++] = owner;
            }
        }
        if (n > 0) {
            pairs.put(f.entry, java.util.Arrays.copyOf(p, n));
        }
    }
}
