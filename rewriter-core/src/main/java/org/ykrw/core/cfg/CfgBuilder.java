package org.ykrw.core.cfg;

import com.carrotsearch.hppc.LongHashSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongPredicate;
import org.ykrw.core.diag.PhaseTimer;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfSymbol;
import org.ykrw.core.elf.PltEntry;
import org.ykrw.core.ir.DiscoverySource;
import org.ykrw.core.ir.Program;

/**
 * Lifts an ELF file into a {@link Program}. The phases:
 * <ol>
 *   <li>collect function starts (entry, symbols, FDEs, init arrays, code pointers) and PLT stubs;</li>
 *   <li>lift every function by recursive descent, adding direct call targets as new functions, with
 *       only the calls known by name to never return cut;</li>
 *   <li>find all non-returning functions (a fixpoint over the lifted code);</li>
 *   <li>lift again with that knowledge, so no code after a non-returning call is taken for real;</li>
 *   <li>build blocks and edges ({@link IrBuilder}).</li>
 * </ol>
 */
public final class CfgBuilder {
    /** Rounds of no-return analysis after pass 2 at most: each finds callers of the last round's finds. */
    private static final int MAX_NO_RETURN_ROUNDS = 8;

    private CfgBuilder() {
    }

    /**
     * @param elf the input
     * @param options lifting options
     * @return the lifted program
     */
    public static Program lift(ElfFile elf, LiftOptions options) {
        return lift(elf, options, SecondThread.Mode.AHEAD);
    }

    /** @param mode whether and how a second thread takes part (tests compare the modes) */
    static Program lift(ElfFile elf, LiftOptions options, SecondThread.Mode mode) {
        long t0 = System.nanoTime();
        try (org.ykrw.core.x86.decode.CapstoneDecoder decoder = new org.ykrw.core.x86.decode.CapstoneDecoder();
                SecondThread helper = new SecondThread(mode)) {
            PhaseTimer.mark("read (" + elf.name() + ")");
            CodeImage image = new CodeImage(elf, decoder, helper);
            PhaseTimer.mark("decode (" + image.decodedInsns + " insns)");
            FunctionStarts starts = new FunctionStarts(elf, image);
            Map<Long, String> plt = new LinkedHashMap<>();
            for (PltEntry e : elf.pltEntries()) {
                plt.putIfAbsent(e.address(), e.symbolName() + "@plt");
            }
            Set<Long> forced = knownNoReturn(elf, plt, starts);
            TableReader tables = new TableReader(elf);

            PhaseTimer.mark("function starts");
            Map<Long, LiftedFunction> first = liftAll(image, starts, plt, forced::contains, tables, options, helper, 1);
            PhaseTimer.mark("pass 1 (decode calls " + image.decodeCalls() + ", insns " + image.decodedInsns + ", ms " + image.decodeNanos / 1000000 + ")");
            Set<Long> allStarts = new HashSet<>(first.keySet());
            allStarts.addAll(plt.keySet());
            Set<Long> noReturn = new NoReturnAnalysis(first, forced, allStarts).run();
            mergeFallThroughFragments(first, starts);
            PhaseTimer.mark("no-return analysis");
            Map<Long, LiftedFunction> second = relift(image, starts, plt, noReturn, learnt(noReturn, forced), tables,
                    options, helper, first);
            PhaseTimer.mark("pass 2");
            Lifts lifts = new Lifts(image, starts, plt, noReturn, forced, tables, options, helper);
            second = lifts.settleNoReturn(second);
            // Code that only data points at is found in the gaps; the functions found there may call
            // others found there that never return, and ran on past those calls into gaps' code.
            for (int sweep = 0; sweep < MAX_NO_RETURN_ROUNDS; sweep++) {
                int known = noReturn.size();
                int lifted = second.size();
                second = lifts.scanGaps(second);
                second = lifts.splitFarJumps(second);
                if (second.size() == lifted) {
                    break;
                }
                second = lifts.settleNoReturn(second);
                if (noReturn.size() == known) {
                    break;
                }
            }
            PhaseTimer.mark("gap scan");
            long millis = (System.nanoTime() - t0) / 1_000_000;
            Program program = new IrBuilder(image, starts, plt, second, noReturn, AddressKeyedCode.of(elf)).build(millis);
            PhaseTimer.mark("IR");
            return program;
        }
    }

    /** The state that rounds of no-return analysis and gap scanning share, and those two steps. */
    private record Lifts(CodeImage image, FunctionStarts starts, Map<Long, String> plt, Set<Long> noReturn,
            Set<Long> forced, TableReader tables, LiftOptions options, SecondThread helper) {
        /**
         * Pass 1 ran on past calls it did not yet know never return, into the next function when no
         * padding parted them (-Os packs functions: busybox's xfunc_die calls exit, then its neighbour's
         * code follows, whose ret made xfunc_die look returning). A relift stops at those calls, so
         * asking again may find more that never return: relifts their callers until none is found.
         */
        Map<Long, LiftedFunction> settleNoReturn(Map<Long, LiftedFunction> lifted) {
            for (int round = 0; round < MAX_NO_RETURN_ROUNDS; round++) {
                Set<Long> liftedStarts = new HashSet<>(lifted.keySet());
                liftedStarts.addAll(plt.keySet());
                // what was found never to return stays so: the lifts were cut at its calls
                Set<Long> more = new NoReturnAnalysis(lifted, noReturn, liftedStarts).run();
                more.removeAll(noReturn);
                if (more.isEmpty()) {
                    break;
                }
                noReturn.addAll(more);
                lifted = relift(image, starts, plt, noReturn, learnt(more, forced), tables, options, helper, lifted);
                PhaseTimer.mark("no-return round " + (round + 2) + " (" + more.size() + " more)");
            }
            return lifted;
        }

        /** Splits functions at their far jumps ({@link CfgBuilder#farJumpTargets}), lifting them again. */
        Map<Long, LiftedFunction> splitFarJumps(Map<Long, LiftedFunction> lifted) {
            for (int round = 0; round < MAX_NO_RETURN_ROUNDS; round++) {
                long[] known = startsInOrder(lifted, plt);
                java.util.SortedSet<Long> targets = new java.util.TreeSet<>();
                List<Long> todo = new java.util.ArrayList<>();
                for (LiftedFunction f : lifted.values()) {
                    java.util.SortedSet<Long> far = farJumpTargets(f, known);
                    if (!far.isEmpty()) {
                        targets.addAll(far);
                        todo.add(f.entry);
                    }
                }
                if (targets.isEmpty()) {
                    break;
                }
                Map<Long, LiftedFunction> kept = new TreeMap<>(lifted);
                todo.forEach(kept::remove);
                for (long t : targets) {
                    starts.add(t, DiscoverySource.TAIL_CALL, image);
                    todo.add(t);
                }
                lifted = liftAll(image, starts, plt, noReturn::contains, tables, options, helper, 2, kept, todo);
                PhaseTimer.note("far jumps: " + targets.size() + " functions split off " + (todo.size() - targets.size()));
            }
            return lifted;
        }

        /**
         * Each round finds the first function of every gap; lifting it covers its whole extent, so
         * packed functions (-Os) are found one round at a time.
         */
        Map<Long, LiftedFunction> scanGaps(Map<Long, LiftedFunction> lifted) {
            GapScanner gaps = new GapScanner(image, plt, starts.frameRanges);
            gaps.cover(lifted.values());
            for (int round = 0; round < 500; round++) {
                List<Long> found = gaps.scan();
                if (found.isEmpty()) {
                    break;
                }
                for (long address : found) {
                    starts.add(address, DiscoverySource.GAP_SCAN, image);
                }
                // Gaps lie outside all lifted code and FDEs, so the functions found there change no
                // other function's walk: lift just them.
                Set<Long> before = new HashSet<>(lifted.keySet());
                lifted = liftAll(image, starts, plt, noReturn::contains, tables, options, helper, 2, lifted, found);
                List<LiftedFunction> added = new java.util.ArrayList<>();
                for (Map.Entry<Long, LiftedFunction> e : lifted.entrySet()) {
                    if (!before.contains(e.getKey())) {
                        added.add(e.getValue());
                    }
                }
                gaps.cover(added);
            }
            return lifted;
        }
    }

    /** @return the entries of the lifted functions and the PLT stubs, sorted */
    private static long[] startsInOrder(Map<Long, LiftedFunction> lifted, Map<Long, String> plt) {
        long[] out = new long[lifted.size() + plt.size()];
        int n = 0;
        for (long a : lifted.keySet()) {
            out[n++] = a;
        }
        for (long a : plt.keySet()) {
            out[n++] = a;
        }
        java.util.Arrays.sort(out);
        return out;
    }

    /**
     * Where a forward jump of a function without an FDE lands past another function's start, the
     * target starts a function of its own, reached by a tail call. Such a function ends where its walk
     * ends, so its jump out into code that no other start names looked like a jump inside it: busybox's
     * static applets end in {@code add rsp, 0x18; jmp next}, where {@code next} is another applet's
     * main that only the applet table (data) points at, and the walk took that main in; moved inside
     * the jumping function, the table's pointer still ran the old code. Compilers lay a function's
     * blocks out together, and put the parts they split off (.cold) before all hot code, where a
     * jump is already out of the function's range: a forward jump over another start leaves the
     * function. Functions so split are lifted again, with the targets as starts, until none is left.
     *
     * @return the targets of {@code f}'s forward jumps inside it past another start of {@code starts}
     *     (sorted), none when {@code f} has an FDE to bound it
     */
    static java.util.SortedSet<Long> farJumpTargets(LiftedFunction f, long[] starts) {
        java.util.SortedSet<Long> out = new java.util.TreeSet<>();
        if (f.rangeEnd != Long.MAX_VALUE) {
            return out;
        }
        for (org.ykrw.core.x86.Insn i : f.insns.sortedArray()) {
            org.ykrw.core.x86.FlowKind flow = i.flow();
            if (flow != org.ykrw.core.x86.FlowKind.JUMP && flow != org.ykrw.core.x86.FlowKind.COND_JUMP) {
                continue;
            }
            long t = i.target();
            if (t > i.address() && f.insns.containsKey(t)) {
                int k = java.util.Arrays.binarySearch(starts, i.address() + 1);
                k = k >= 0 ? k : -k - 1;
                if (k < starts.length && starts[k] < t) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    /** @return the entries of {@code noReturn} that analysis found, not names: what changes a lift made without them */
    private static LongHashSet learnt(Set<Long> noReturn, Set<Long> forced) {
        LongHashSet learnt = new LongHashSet();
        for (long entry : noReturn) {
            if (!forced.contains(entry)) {
                learnt.add(entry);
            }
        }
        return learnt;
    }

    /**
     * Lifts anew the functions of {@code first} that call a function in {@code learnt} (or whose range
     * grew by a merge of FDEs), keeping the others: only those can change (pass 2, and each round of
     * no-return analysis after it). Functions that only the earlier lift reached (calls decoded past a
     * non-returning call) are dropped by walking the call graph again from the real starts.
     */
    private static Map<Long, LiftedFunction> relift(CodeImage image, FunctionStarts starts, Map<Long, String> plt,
            Set<Long> noReturn, LongHashSet learnt, TableReader tables, LiftOptions options,
            SecondThread helper, Map<Long, LiftedFunction> first) {
        Map<Long, LiftedFunction> kept = new TreeMap<>();
        List<Long> todo = new java.util.ArrayList<>();
        for (LiftedFunction f : first.values()) {
            boolean changed = false;
            for (int i = 0; i < f.callTargets.size(); i++) {
                if (learnt.contains(f.callTargets.get(i))) {
                    changed = true;
                    break;
                }
            }
            Long fde = starts.frameRanges.get(f.rangeStart);
            changed |= fde != null && fde != f.rangeEnd;
            if (changed) {
                todo.add(f.entry);
            } else {
                kept.put(f.entry, f);
            }
        }
        PhaseTimer.note("relifting " + todo.size() + " of " + first.size() + " functions");
        Map<Long, LiftedFunction> lifted = liftAll(image, starts, plt, noReturn::contains, tables, options, helper, 2,
                kept, todo);
        // Keep what the real starts reach through calls, tail calls and jumps into other functions.
        LongHashSet reached = new LongHashSet();
        LongHashSet liftedEntries = new LongHashSet(lifted.size());
        lifted.keySet().forEach(liftedEntries::add);
        java.util.ArrayDeque<Long> work = new java.util.ArrayDeque<>(starts.starts.keySet());
        while (!work.isEmpty()) {
            long entry = work.pop();
            LiftedFunction f = lifted.get(entry);
            if (f == null || !reached.add(entry)) {
                continue;
            }
            for (AddressSet targets : List.of(f.callTargets, f.tailCallTargets, f.externalEntries)) {
                for (int i = 0; i < targets.size(); i++) {
                    long t = targets.get(i);
                    if (liftedEntries.contains(t) && !reached.contains(t)) {
                        if (!starts.starts.containsKey(t)) {
                            starts.add(t, DiscoverySource.CALL_TARGET, image);
                        }
                        work.push(t);
                    }
                }
            }
        }
        lifted.keySet().removeIf(entry -> !reached.contains(entry));
        return lifted;
    }

    /**
     * Hand-written assembly sometimes splits one function into several FDEs (glibc's clone gives the
     * child's code a CFI of its own). A start known only from an FDE, not 16-byte aligned, reached only
     * by plain code running into it and referenced by nothing else, is the tail of the function before
     * it: merge. (glibc's strcasecmp variants also run into the next symbol, but that one is aligned.)
     */
    private static void mergeFallThroughFragments(Map<Long, LiftedFunction> lifted, FunctionStarts starts) {
        LongHashSet referenced = null;  // made when a first candidate gets that far: most programs have none
        for (LiftedFunction f : lifted.values()) {
            long next = f.fallsInto;
            // Functions start aligned; a split inside one function (CFI for a child thread) does not.
            if (next < 0 || (next & 15) == 0 || f.rangeStart != f.entry) {
                continue;
            }
            Set<DiscoverySource> sources = starts.starts.get(next);
            Long nextEnd = starts.frameRanges.get(next);
            Long ownEnd = starts.frameRanges.get(f.rangeStart);
            if (sources == null || !sources.equals(Set.of(DiscoverySource.EH_FRAME)) || nextEnd == null || ownEnd == null) {
                continue;
            }
            if (referenced == null) {
                referenced = new LongHashSet();
                for (LiftedFunction g : lifted.values()) {
                    g.callTargets.forEach(referenced::add);
                    g.tailCallTargets.forEach(referenced::add);
                    g.externalEntries.forEach(referenced::add);
                }
            }
            if (referenced.contains(next)) {
                continue;
            }
            starts.starts.remove(next);
            starts.frameRanges.remove(next);
            starts.frameRanges.put(f.rangeStart, Math.max(ownEnd, nextEnd));
        }
    }

    private static Set<Long> knownNoReturn(ElfFile elf, Map<Long, String> plt, FunctionStarts starts) {
        Set<Long> out = new HashSet<>();
        plt.forEach((address, name) -> {
            if (NoReturnNames.isNoReturn(name.substring(0, name.length() - 4))) {
                out.add(address);
            }
        });
        for (ElfSymbol s : elf.allSymbols()) {
            if (s.isFunction() && s.isDefined() && NoReturnNames.isNoReturn(s.name())) {
                out.add(s.value());
            }
        }
        return out;
    }

    private static void discover(long address, DiscoverySource source, LiftContext ctx, SpeculativeLifter work,
            FunctionStarts starts, CodeImage image, int round) {
        if (!ctx.functionStarts().contains(address) && image.isCode(address)) {
            ctx.learnStart(address);
            work.add(address);
            if (round == 2) {
                starts.add(address, source, image);
            }
        }
    }

    private static Map<Long, LiftedFunction> liftAll(CodeImage image, FunctionStarts starts, Map<Long, String> plt,
            LongPredicate noReturn, TableReader tables, LiftOptions options, SecondThread helper, int round) {
        return liftAll(image, starts, plt, noReturn, tables, options, helper, round, new TreeMap<>(),
                starts.starts.keySet());
    }

    /**
     * Lifts the functions of {@code todo} and all they discover, one after the other in the order of a
     * FIFO queue; with enough of them, a second thread lifts ahead ({@link SpeculativeLifter}), which
     * changes no result.
     */
    private static Map<Long, LiftedFunction> liftAll(CodeImage image, FunctionStarts starts, Map<Long, String> plt,
            LongPredicate noReturn, TableReader tables, LiftOptions options, SecondThread helper, int round,
            Map<Long, LiftedFunction> done0, java.util.Collection<Long> todo) {
        LongHashSet known = knownStarts(starts, plt, done0);
        Map<Long, LiftedFunction> out = new TreeMap<>(done0);
        Map<Long, Set<Long>> extraRoots = new HashMap<>();
        for (LiftedFunction f : done0.values()) {
            if (!f.extraRoots.isEmpty()) {
                extraRoots.put(f.entry, new HashSet<>(f.extraRoots));
            }
        }
        LiftContext ctx = new LiftContext(image, known, starts.frameRanges, noReturn, tables,
                options.maxJumpTableEntries(), starts.landingPads, extraRoots);
        boolean parallel = helper.worthIt(todo.size());
        LongHashSet skipped = new LongHashSet(plt.size() + done0.size());
        plt.keySet().forEach(skipped::add);
        done0.keySet().forEach(skipped::add);
        long done = 0;
        String counts;
        try (SpeculativeLifter work = new SpeculativeLifter(ctx, todo, skipped::contains,
                parallel ? knownStarts(starts, plt, done0) : null, helper)) {
            for (int pos = 0; pos < work.size(); pos++) {
                long entry = work.entry(pos);
                if (out.containsKey(entry) || plt.containsKey(entry)) {
                    continue;
                }
                LiftedFunction f = work.take(pos);
                out.put(entry, f);
                for (int i = 0; i < f.callTargets.size(); i++) {
                    discover(f.callTargets.get(i), DiscoverySource.CALL_TARGET, ctx, work, starts, image, round);
                }
                for (int i = 0; i < f.externalEntries.size(); i++) {
                    long target = f.externalEntries.get(i);
                    if (!ctx.inFrame(target)) {
                        discover(target, DiscoverySource.CODE_POINTER, ctx, work, starts, image, round);
                    }
                }
                if ((++done & 255) == 0) {
                    long left = work.size() - pos - 1;  // what the queue held after taking this entry
                    options.progress().progress("lifting (pass " + round + " of 2)", done, done + left);
                }
            }
            counts = work.counts();
        }
        // The worker has stopped: relax may change what it read (the extra roots).
        options.progress().progress("lifting (pass " + round + " of 2)", done, done);
        if (parallel) {
            PhaseTimer.note("lifted " + counts + ", " + ctx.startsLearnt() + " starts learnt");
        }
        ExtraRoots.relax(ctx, out, extraRoots, helper);
        return out;
    }

    /** @return the starts known before a round of lifting learns any */
    private static LongHashSet knownStarts(FunctionStarts starts, Map<Long, String> plt,
            Map<Long, LiftedFunction> done0) {
        LongHashSet known = new LongHashSet(starts.starts.size() + plt.size() + done0.size());
        for (java.util.Collection<Long> c : List.of(starts.starts.keySet(), plt.keySet(), done0.keySet())) {
            for (long address : c) {
                known.add(address);
            }
        }
        return known;
    }
}
