package org.ykrw.core.cfg;

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
    private final LongSet forced = new LongSet();
    private final LongSet starts = new LongSet();
    private final LongSet liftedEntries = new LongSet();
    private final LongSet mayReturn = new LongSet();

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
        // Each round drops the functions found to return: later rounds only look at the undecided ones.
        List<LiftedFunction> open = new ArrayList<>();
        for (LiftedFunction f : lifted.values()) {
            if (!forced.contains(f.entry)) {
                open.add(f);
            }
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            List<LiftedFunction> still = new ArrayList<>(open.size());
            for (LiftedFunction f : open) {
                if (reachesReturn(f)) {
                    mayReturn.add(f.entry);
                    changed = true;
                } else {
                    still.add(f);
                }
            }
            open = still;
        }
        Set<Long> noReturn = new HashSet<>(forcedNoReturn);
        for (long entry : lifted.keySet()) {
            if (!mayReturn.contains(entry)) {
                noReturn.add(entry);
            }
        }
        return noReturn;
    }

    private boolean returns(long target) {
        if (forced.contains(target)) {
            return false;
        }
        return !liftedEntries.contains(target) || mayReturn.contains(target);
    }

    private boolean reachesReturn(LiftedFunction f) {
        // Plain reachability: the order paths are followed in does not change the answer.
        LongStack work = new LongStack();
        LongSet seen = new LongSet();
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

        boolean isEmpty() {
            return size == 0;
        }
    }
}
