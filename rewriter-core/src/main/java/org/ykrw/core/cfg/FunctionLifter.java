package org.ykrw.core.cfg;

import com.carrotsearch.hppc.LongArrayList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ykrw.core.ir.JumpTable;
import org.ykrw.core.ir.SkipReason;
import org.ykrw.core.x86.Insn;

/**
 * Recursive descent over one function: follows every direct branch and resolved jump table from the
 * entry, staying inside the function's own range (its FDE when it has one) and stopping at other
 * functions' starts, which are tail calls or fall-through into the next function.
 */
final class FunctionLifter {
    /** Empty, and iterated without an iterator object (an empty List.of() makes one per loop). */
    private static final java.util.Set<Long> NO_ROOTS = java.util.Collections.emptySet();
    private static final List<Long> NO_PADS = java.util.Collections.emptyList();

    private final LiftContext ctx;
    private final LiftedFunction fn;
    /** addresses to walk from, as a stack (last pushed, first walked) */
    private final LongArrayList work = new LongArrayList();

    private FunctionLifter(LiftContext ctx, long entry) {
        this.ctx = ctx;
        // An entry inside an FDE (a jump-table target in a .cold fragment) is bounded by that FDE too.
        long[] range = ctx.frameRange(entry);
        this.fn = range != null ? new LiftedFunction(ctx.image(), entry, range[0], range[1])
                : new LiftedFunction(ctx.image(), entry, entry, Long.MAX_VALUE);
    }

    private FunctionLifter(LiftContext ctx, LiftedFunction fn) {
        this.ctx = ctx;
        this.fn = fn;
    }

    /**
     * Walks from the roots other functions gave {@code fn} since it was lifted, adding what they reach.
     *
     * @return false when that code has what makes the walk order matter (see ExtraRoots.extendable);
     *     {@code fn} is then half-extended and must be lifted anew
     */
    static boolean extend(LiftContext ctx, LiftedFunction fn) {
        FunctionLifter l = new FunctionLifter(ctx, fn);
        for (long root : ctx.extraRoots().getOrDefault(fn.entry, java.util.Set.of())) {
            if (!fn.extraRoots.contains(root) && l.inOwnRange(root)) {
                fn.extraRoots.add(root);
                fn.leaders.add(root);
                l.work.add(root);
            }
        }
        while (!l.work.isEmpty()) {
            l.walk(l.work.removeLast());
        }
        return fn.problems.isEmpty() && fn.fallsInto == -1 && !fn.insns.hasIndirectJump();
    }

    /** Lifts the function at {@code entry}. */
    static LiftedFunction lift(LiftContext ctx, long entry) {
        FunctionLifter l = new FunctionLifter(ctx, entry);
        l.run();
        return l.fn;
    }

    private void run() {
        fn.leaders.add(fn.entry);
        work.add(fn.entry);
        for (long root : ctx.extraRoots().getOrDefault(fn.entry, NO_ROOTS)) {
            if (inOwnRange(root)) {
                fn.extraRoots.add(root);
                fn.leaders.add(root);
                work.add(root);
            }
        }
        for (long pad : ctx.landingPads().getOrDefault(fn.rangeStart, NO_PADS)) {
            if (inOwnRange(pad)) {
                fn.landingPads.add(pad);
                fn.leaders.add(pad);
                work.add(pad);
            }
        }
        while (!work.isEmpty()) {
            walk(work.removeLast());
        }
        if (fn.insns.hasIndirectJump()) {
            resolveIndirectJumps();  // most functions have none: spares the resolver and its lists
        }
        if (!fn.unresolvedTables.isEmpty()) {
            fn.problems.add(SkipReason.UNRESOLVED_JUMP_TABLE);
        }
    }

    /** Resolves the indirect jumps' tables, walking the code they reach, until no more are found. */
    private void resolveIndirectJumps() {
        JumpTableResolver resolver = new JumpTableResolver(ctx, fn);
        List<Long> provisional = new ArrayList<>();
        while (true) {
            while (!work.isEmpty()) {
                walk(work.removeLast());
            }
            // Resolving a table adds targets; their code may hold further tables, so repeat until stable.
            boolean progress = false;
            for (Insn jump : List.copyOf(pendingIndirectJumps())) {
                JumpTable table = resolver.resolve(jump);
                if (table != null) {
                    if (resolver.takeUsedReachingDefs()) {
                        provisional.add(jump.address());
                    }
                    fn.tables.put(jump.address(), table);
                    for (long t : table.codeTargets()) {
                        if (inOwnRange(t) && (t == fn.entry || !ctx.functionStarts().contains(t))) {
                            addInternalTarget(jump.address(), t);
                        } else {
                            fn.externalEntries.add(t);
                        }
                    }
                    progress = true;
                }
            }
            if (!progress) {
                break;
            }
        }
        // A table base found through all definitions reaching the jump was judged on the CFG known
        // then; code found later (through that very table) may bring other definitions back to the
        // jump. Resolving again on the complete CFG must give the same table, else it is unresolved.
        for (long at : provisional) {
            JumpTable again = resolver.resolve(fn.insns.get(at));
            if (again == null || !again.targets().equals(fn.tables.get(at).targets())) {
                fn.unresolved.put(at, "table base register redefined on a path found later");
                fn.unresolvedTables.add(at);
            }
        }
        for (Insn jump : pendingIndirectJumps()) {
            resolver.classifyUnresolved(jump);
        }
    }

    private List<Insn> pendingIndirectJumps() {
        if (!fn.insns.hasIndirectJump()) {
            return List.of();  // most functions: spares sorting their instructions
        }
        List<Insn> out = new ArrayList<>();
        for (Insn i : fn.insns.values()) {
            if (i.flow() == org.ykrw.core.x86.FlowKind.INDIRECT_JUMP && !fn.tables.containsKey(i.address())
                    && !fn.unresolved.containsKey(i.address()) && !fn.pointerTailCalls.contains(i.address())) {
                out.add(i);
            }
        }
        return out;
    }

    private boolean inOwnRange(long address) {
        if (address < fn.rangeStart || !ctx.image().sameRegion(fn.entry, address)) {
            return false;
        }
        // Past the end of its FDE, code still belongs to the function while no other function claims it:
        // hand-written assembly (glibc's clone) ends its CFI before its last instructions.
        return address < fn.rangeEnd || !ctx.inFrame(address) && !ctx.functionStarts().contains(address);
    }

    private void walk(long start) {
        long addr = start;
        while (true) {
            if (fn.insns.containsKey(addr)) {
                fn.leaders.add(addr);
                return;
            }
            if (addr != fn.entry && ctx.functionStarts().contains(addr)) {
                Insn before = fn.insns.below(addr);
                if (before != null && before.end() == addr && before.flow() == org.ykrw.core.x86.FlowKind.SEQUENTIAL) {
                    fn.fallsInto = addr;  // plain code running on: the "next function" may be our own tail
                }
                return;
            }
            if (!inOwnRange(addr)) {
                return;  // runs off its range: a call the analysis thought returns, or padding follows
            }
            Insn insn = ctx.image().insnAt(addr);
            if (insn == null) {
                fn.problems.add(SkipReason.UNDECODABLE);
                return;
            }
            if (addr >= fn.rangeEnd && (insn.isNop() || insn.mnemonic().equals("int3"))) {
                return;  // alignment padding after the FDE: the function ended before
            }
            if (overlaps(insn)) {
                fn.problems.add(SkipReason.OVERLAPPING_CODE);
                return;
            }
            fn.insns.put(insn);
            switch (insn.flow()) {
                case SEQUENTIAL, INDIRECT_CALL -> addr = insn.end();
                case CALL -> {
                    fn.callTargets.add(insn.target());
                    if (ctx.noReturn().test(insn.target())) {
                        fn.noReturnCalls.add(addr);
                        return;
                    }
                    addr = insn.end();
                    if (onlyPaddingUntilNextFunction(addr)) {
                        return;  // the callee does not return after all: what follows is alignment padding
                    }
                }
                case COND_JUMP -> {
                    branchTo(insn);
                    fn.leaders.add(insn.end());
                    work.add(insn.end());
                    return;
                }
                case JUMP -> {
                    branchTo(insn);
                    return;
                }
                case INVALID -> {
                    fn.problems.add(SkipReason.UNDECODABLE);
                    return;
                }
                default -> {
                    return;  // ret, trap, indirect jump (resolved later)
                }
            }
        }
    }

    private void branchTo(Insn insn) {
        long t = insn.target();
        if (t != fn.entry && (ctx.functionStarts().contains(t) || !inOwnRange(t) || isThunk(insn))) {
            if (!ctx.image().isCode(t)) {
                fn.problems.add(SkipReason.BAD_BRANCH_TARGET);
            } else if (!ctx.functionStarts().contains(t)) {
                fn.externalEntries.add(t);  // into the middle of another function (a .cold fragment)
            } else {
                fn.tailCallTargets.add(t);
            }
            return;  // tail call or jump into another function
        }
        addInternalTarget(insn.address(), t);
    }

    /**
     * A function that is only a jump, with no FDE to bound it: a thunk (busybox's applets that share
     * another's main, `jmp printf_main`). Its target is a function of its own, even when nothing else
     * names it: owned by the thunk, it would move with the thunk while the applet table's pointer to
     * it (absolute, in a static binary no relocation points at) still ran the old code.
     */
    private boolean isThunk(Insn jump) {
        return jump.address() == fn.entry && jump.flow() == org.ykrw.core.x86.FlowKind.JUMP
                && fn.rangeEnd == Long.MAX_VALUE;
    }

    private void addInternalTarget(long from, long t) {
        fn.incoming.add(t, from);
        if (fn.leaders.add(t) || !fn.insns.containsKey(t)) {
            work.add(t);
        }
    }

    /** @return true when only NOPs lie between {@code address} and the next function start */
    private boolean onlyPaddingUntilNextFunction(long address) {
        long pos = address;
        for (int n = 0; n < 8; n++) {
            Insn i = ctx.image().insnAt(pos);
            if (i == null || !i.isNop()) {
                return n > 0 && (ctx.functionStarts().contains(pos) || !ctx.image().isCode(pos));
            }
            pos = i.end();
        }
        return false;
    }

    private boolean overlaps(Insn insn) {
        Insn below = fn.insns.below(insn.address());
        if (below != null && below.end() > insn.address()) {
            return !isLockSkip(below, insn);
        }
        Insn above = fn.insns.above(insn.address(), insn.end());
        if (above != null) {
            return !isLockSkip(insn, above);
        }
        return false;
    }

    /**
     * glibc skips the lock prefix when single-threaded: {@code je 1f; lock; 1: cmpxchg}. The locked
     * and the unlocked instruction share their end; each gets a block of its own, both flowing on to
     * the same next block.
     */
    private boolean isLockSkip(Insn locked, Insn unlocked) {
        boolean idiom = locked.byteAt(0) == 0xF0 && unlocked.address() == locked.address() + 1
                && unlocked.end() == locked.end();
        if (idiom) {
            fn.leaders.add(locked.end());
            fn.leaders.add(unlocked.address());
        }
        return idiom;
    }
}
