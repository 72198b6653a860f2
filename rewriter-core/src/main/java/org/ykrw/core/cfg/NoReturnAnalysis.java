package org.ykrw.core.cfg;

import com.carrotsearch.hppc.LongHashSet;
import com.carrotsearch.hppc.LongObjectHashMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ykrw.core.ir.JumpTable;
import org.ykrw.core.x86.Insn;

/**
 * Finds the functions that never return: the least fixpoint of "some path from the entry reaches a
 * return, a returning tail call or an unknown jump", where calls to functions not (yet) known to
 * return cut their path. Starting from "nothing returns" and growing makes the result the smallest
 * set of returning functions consistent with the code, so chains like {@code die() -> exit()} are found.
 */
final class NoReturnAnalysis {
    private final Map<Long, LiftedFunction> lifted;
    private final Set<Long> forcedNoReturn;
    /** The sets asked about at every call of every function in every round, on primitive longs. */
    private final LongHashSet forced = new LongHashSet();
    private final LongHashSet starts = new LongHashSet();
    private final LongHashSet liftedEntries = new LongHashSet();
    private final LongHashSet mayReturn = new LongHashSet();
    /** the undecided lifted functions the current look cut paths at (repeats allowed) */
    private final LongStack blockers = new LongStack();
    /** reachesReturn's work list, reused */
    private final LongStack stack = new LongStack();
    /** Per function looked at, the callees it waits on already. */
    private final java.util.Map<LiftedFunction, LongHashSet> registered = new java.util.IdentityHashMap<>();

    /**
     * @param lifted every lifted function by entry
     * @param forcedNoReturn entries known not to return by name (PLT stubs and symbols of exit, abort ...)
     * @param functionStarts all function starts, lifted or not (unlifted ones, e.g. PLT stubs, return
     *     unless forced)
     */
    NoReturnAnalysis(Map<Long, LiftedFunction> lifted, Set<Long> forcedNoReturn, Set<Long> functionStarts) {
        this.lifted = lifted;
        this.forcedNoReturn = forcedNoReturn;
        forcedNoReturn.forEach(forced::add);
        functionStarts.forEach(starts::add);
        lifted.keySet().forEach(liftedEntries::add);
    }

    /** @return entries of functions that never return */
    Set<Long> run() {
        // A function undecided after its first look is looked at again only when a function its paths
        // were cut at turns out to return: the same least fixpoint as rounds over all undecided ones.
        LongObjectHashMap<List<LiftedFunction>> waiting = new LongObjectHashMap<>(1024);
        List<LiftedFunction> work = new ArrayList<>();
        for (LiftedFunction f : lifted.values()) {
            if (!forced.contains(f.entry)) {
                decide(f, waiting, work);
            }
        }
        while (!work.isEmpty()) {
            LiftedFunction returning = work.remove(work.size() - 1);
            List<LiftedFunction> waiters = waiting.get(returning.entry);
            if (waiters != null) {
                waiting.put(returning.entry, List.of());
                for (LiftedFunction f : waiters) {
                    if (!mayReturn.contains(f.entry)) {
                        decide(f, waiting, work);
                    }
                }
            }
        }
        Set<Long> noReturn = new HashSet<>(forcedNoReturn);
        for (long entry : lifted.keySet()) {
            if (!mayReturn.contains(entry)) {
                noReturn.add(entry);
            }
        }
        return noReturn;
    }

    /** Looks at f: it returns (queued in work), or waits on the functions that cut its paths. */
    private void decide(LiftedFunction f, LongObjectHashMap<List<LiftedFunction>> waiting, List<LiftedFunction> work) {
        blockers.clear();
        if (reachesReturn(f)) {
            mayReturn.add(f.entry);
            work.add(f);
            return;
        }
        // A function waits on each callee once, however many of its calls to it were cut and however
        // often it is looked at again: waiting twice on one callee, it would be looked at twice when
        // that returns, and wait twice more on the next (less's command loop took hours that way).
        LongHashSet distinct = registered.computeIfAbsent(f, k -> new LongHashSet());
        for (int i = 0; i < blockers.size(); i++) {
            long callee = blockers.get(i);
            if (!distinct.add(callee)) {
                continue;
            }
            List<LiftedFunction> waiters = waiting.get(callee);
            if (waiters == null || waiters.isEmpty()) {
                waiters = new ArrayList<>(2);
                waiting.put(callee, waiters);
            }
            waiters.add(f);
        }
    }

    /** Whether {@code target} returns as far as known; a lifted one not known to is noted as a blocker. */
    private boolean returns(long target) {
        if (forced.contains(target)) {
            return false;
        }
        if (!liftedEntries.contains(target) || mayReturn.contains(target)) {
            return true;
        }
        blockers.push(target);
        return false;
    }

    private boolean reachesReturn(LiftedFunction f) {
        // Plain reachability: the order paths are followed in does not change the answer.
        LongStack work = stack;
        work.clear();
        // A bit per byte of the function's code: a hash set grown to its size cost eight to sixteen times that.
        AddressBitSet seen = new AddressBitSet(f.rangeStart, f.reachedEnd() - f.rangeStart);
        work.push(f.entry);
        f.landingPads.forEach(work::push);  // a catch handler may return normally
        f.extraRoots.forEach(work::push);   // entered from another function: its returns count too
        while (!work.isEmpty()) {
            long addr = work.pop();
            while (seen.add(addr)) {
                Insn i = f.insns.get(addr);
                if (i == null) {
                    // Falls off the lifted code: into the next function, or past the end of its range.
                    if (starts.contains(addr) ? returns(addr) : true) {
                        return true;
                    }
                    break;
                }
                boolean goOn = true;
                switch (i.flow()) {
                    case RETURN -> {
                        return true;
                    }
                    case TRAP, INVALID -> goOn = false;
                    case CALL -> goOn = returns(i.target());
                    case JUMP, COND_JUMP -> {
                        long t = i.target();
                        if (f.insns.containsKey(t)) {
                            work.push(t);
                        } else if (starts.contains(t) ? returns(t) : true) {
                            return true;
                        }
                        goOn = i.flow() == org.ykrw.core.x86.FlowKind.COND_JUMP;
                    }
                    case INDIRECT_JUMP -> {
                        JumpTable table = f.tables.get(addr);
                        if (table == null) {
                            return true;  // a pointer tail call or unknown target: assume it returns
                        }
                        for (long t : table.codeTargets()) {
                            work.push(t);
                        }
                        goOn = false;
                    }
                    default -> { }
                }
                if (!goOn) {
                    break;
                }
                addr = i.end();
            }
        }
        return false;
    }

    /** A stack of addresses on a growing long array. */
    private static final class LongStack {
        private long[] items = new long[32];
        private int size;

        void push(long value) {
            if (size == items.length) {
                items = java.util.Arrays.copyOf(items, size * 2);
            }
            items[size++] = value;
        }

        long pop() {
            return items[--size];
        }

        long get(int i) {
            return items[i];
        }

        int size() {
            return size;
        }

        void clear() {
            size = 0;
        }

        boolean isEmpty() {
            return size == 0;
        }
    }
}
