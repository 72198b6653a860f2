package org.ykrw.core.cfg;

import com.carrotsearch.hppc.LongHashSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ykrw.core.analysis.StackHeight;
import org.ykrw.core.ir.AddressRange;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.DiscoverySource;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.JumpTable;
import org.ykrw.core.ir.Program;
import org.ykrw.core.ir.SkipReason;
import org.ykrw.core.ir.UnresolvedJump;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;

/** Turns raw lifted functions into IR: blocks split at leaders, typed edges, tables and gaps. */
final class IrBuilder {
    private final CodeImage image;
    private final FunctionStarts starts;
    private final Map<Long, String> plt;
    private final Map<Long, LiftedFunction> lifted;
    private final Set<Long> noReturn;
    private final AddressKeyedCode addressKeyed;
    private final BlockIndex blockAt;
    /** starts of blocks that blockAt does not hold, another function's block starting there first */
    private final LongHashSet shadowed = new LongHashSet();

    IrBuilder(CodeImage image, FunctionStarts starts, Map<Long, String> plt, Map<Long, LiftedFunction> lifted,
            Set<Long> noReturn, AddressKeyedCode addressKeyed) {
        this.image = image;
        this.addressKeyed = addressKeyed;
        this.starts = starts;
        this.plt = plt;
        this.lifted = lifted;
        this.noReturn = noReturn;
        this.blockAt = new BlockIndex(image.ranges());
    }

    Program build(long millis) {
        List<Function> functions = new ArrayList<>();
        plt.forEach((address, name) -> {
            Function f = new Function(address, name);
            f.addSource(DiscoverySource.PLT);
            f.setPlt();
            f.setNoReturn(noReturn.contains(address));
            functions.add(f);
        });
        // The functions made from lifted ones, in the order of lifted.values().
        List<Function> made = new ArrayList<>(lifted.size());
        for (LiftedFunction lf : lifted.values()) {
            Function f = new Function(lf.entry, starts.nameOf(lf.entry));
            starts.aliases.getOrDefault(lf.entry, Set.of()).forEach(f::addAlias);
            starts.starts.getOrDefault(lf.entry, Set.of()).forEach(f::addSource);
            if (f.discoveredBy().isEmpty()) {
                f.addSource(DiscoverySource.CALL_TARGET);
            }
            f.setNoReturn(noReturn.contains(lf.entry));
            f.setEndAddress(lf.rangeEnd != Long.MAX_VALUE && lf.rangeStart == lf.entry ? Math.max(lf.rangeEnd, lf.reachedEnd())
                    : lf.reachedEnd());
            makeBlocks(f, lf);
            f.setCfgBuilt();
            addressKeyed.pinIfInside(f);  // first: the reason it stays, whatever else the lifter found
            if (!lf.problems.isEmpty()) {
                f.skip(lf.problems.get(0));
            }
            functions.add(f);
            made.add(f);
        }
        // Of blocks sharing a start, blockAt holds the first in the order of lifted.values().
        blockAt.seal();
        for (Function f : made) {
            for (Block b : f.blocks()) {
                if (!blockAt.claim(b)) {
                    shadowed.add(b.address());
                }
            }
        }
        List<JumpTable> tables = new ArrayList<>();
        List<UnresolvedJump> unresolved = new ArrayList<>();
        int n = 0;
        for (LiftedFunction lf : lifted.values()) {
            Function f = made.get(n);
            for (JumpTable t : lf.tables.values()) {
                tables.add(new JumpTable(t.kind(), t.tableAddress(), t.entrySize(), t.base(), t.targets(),
                        t.jumpAddress(), f, t.widthBound()));
            }
            connect(f, lf);
            lf.unresolved.forEach((address, reason) -> {
                boolean table = lf.unresolvedTables.contains(address);
                long height = table ? StackHeight.UNKNOWN : StackHeight.atJump(f, address);
                boolean tail = !table && (height == 0 || throughFixedSlot(lf.insns.get(address)));
                UnresolvedJump u = new UnresolvedJump(address, f, reason, table, tail,
                        !tail && height != StackHeight.UNKNOWN && height < 0);
                unresolved.add(u);
                if (u.insideFrame() && f.skipReason() == null) {
                    // Moved, the function would run its old code wherever the jump goes inside it,
                    // uninstrumented: it stays in place, as one with an unresolved table does.
                    f.skip(SkipReason.UNRESOLVED_INDIRECT_JUMP);
                }
            });
            n++;
        }
        return new Program(functions, cutAtNextTable(tables), unresolved, unreached(functions), millis);
    }

    /** @return true for {@code jmp [rip + X]} or {@code jmp [X]}: a pointer read from one fixed slot */
    private static boolean throughFixedSlot(Insn jump) {
        org.ykrw.core.x86.MemOperand m = jump == null ? null : jump.memOperand();
        return m != null && m.index() == org.ykrw.core.x86.Reg.NONE
                && (m.isRipRelative() || m.base() == org.ykrw.core.x86.Reg.NONE);
    }

    /**
     * A table sized by its index's width was read until its first slot without code; what follows
     * a table is often the next one, whose slots can pass for code of the same function. Slots from
     * another table's start on are that table's: rewriting them as ours would break its jump.
     */
    private static List<JumpTable> cutAtNextTable(List<JumpTable> tables) {
        long[] starts = tables.stream().mapToLong(JumpTable::tableAddress).sorted().distinct().toArray();
        List<JumpTable> out = new ArrayList<>(tables.size());
        for (JumpTable t : tables) {
            int next = java.util.Arrays.binarySearch(starts, t.tableAddress()) + 1;
            long end = t.tableAddress() + (long) t.entryCount() * t.entrySize();
            if (t.widthBound() && next < starts.length && starts[next] < end) {
                t = t.cut((int) ((starts[next] - t.tableAddress()) / t.entrySize()));
            }
            out.add(t);
        }
        return out;
    }

    /** Splits the function's address-ordered instructions into blocks, which share that one array. */
    private void makeBlocks(Function f, LiftedFunction lf) {
        Insn[] insns = lf.insns.sortedArray();
        int from = 0;
        for (int k = 1; k < insns.length; k++) {
            Insn prev = insns[k - 1];
            long address = insns[k].address();
            if (prev.end() != address || lf.leaders.contains(address) || endsBlock(prev, lf)) {
                blockAt.mark(f.addBlock(insns, from, k - from).address());
                from = k;
            }
        }
        if (from < insns.length) {
            blockAt.mark(f.addBlock(insns, from, insns.length - from).address());
        }
        // Entered from outside the function's own code: its entry, landing pads, other functions' jumps.
        markIndirectTarget(f, lf.entry);
        lf.landingPads.forEach(address -> markIndirectTarget(f, address));
        for (long address : lf.extraRoots) {
            markIndirectTarget(f, address);
        }
    }

    /** Marks the block of {@code f} starting at {@code address}, if there is one, as an indirect target. */
    private static void markIndirectTarget(Function f, long address) {
        List<Block> blocks = f.blocks();
        int lo = 0;
        int hi = blocks.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long at = blocks.get(mid).address();
            if (at == address) {
                f.markIndirectTarget(blocks.get(mid));
                return;
            }
            if (at < address) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
    }

    private static boolean endsBlock(Insn i, LiftedFunction lf) {
        FlowKind k = i.flow();
        if (k == FlowKind.CALL) {
            return lf.noReturnCalls.contains(i.address());
        }
        return k != FlowKind.SEQUENTIAL && k != FlowKind.INDIRECT_CALL;
    }

    private void connect(Function f, LiftedFunction lf) {
        List<Block> blocks = f.blocks();
        for (int k = 0; k < blocks.size(); k++) {
            Block b = blocks.get(k);
            for (int j = 0; j < b.instructionCount(); j++) {
                Insn i = b.instruction(j);
                if (i.flow() == FlowKind.CALL) {
                    f.addEdge(b, blockAt.get(i.target()), i.target(), EdgeKind.CALL);
                }
            }
            Insn last = b.lastInstruction();
            switch (last.flow()) {
                case SEQUENTIAL, INDIRECT_CALL, CALL -> {
                    // Only calls are in noReturnCalls: the set is asked about them alone.
                    if (last.flow() != FlowKind.CALL || !lf.noReturnCalls.contains(last.address())) {
                        f.addEdge(b, blockAfter(blocks, k), last.end(), EdgeKind.FALL_THROUGH);
                    }
                }
                case COND_JUMP -> {
                    Block to = blockAt.get(last.target());
                    f.addEdge(b, to, last.target(), directKind(f, to, EdgeKind.CONDITIONAL));
                    f.addEdge(b, blockAfter(blocks, k), last.end(), EdgeKind.FALL_THROUGH);
                }
                case JUMP -> {
                    Block to = blockAt.get(last.target());
                    f.addEdge(b, to, last.target(), directKind(f, to, EdgeKind.BRANCH));
                }
                case INDIRECT_JUMP -> {
                    JumpTable t = lf.tables.get(last.address());
                    if (t != null) {
                        for (long target : t.distinctCodeTargets()) {
                            f.addEdge(b, blockAt.get(target), target, EdgeKind.JUMP_TABLE);
                        }
                    } else if (lf.pointerTailCalls.contains(last.address())) {
                        f.addEdge(b, null, -1, EdgeKind.TAIL_CALL);
                    } else {
                        f.addEdge(b, null, -1, EdgeKind.INDIRECT);
                    }
                }
                case RETURN -> f.addEdge(b, null, -1, EdgeKind.RETURN);
                default -> { }
            }
        }
    }

    private static EdgeKind directKind(Function f, Block target, EdgeKind internal) {
        return target != null && target.function() == f ? internal : EdgeKind.TAIL_CALL;
    }

    /**
     * @return the block at the end of {@code blocks[k]}, as blockAt has it: mostly the function's own
     *     next block, found without a lookup
     */
    private Block blockAfter(List<Block> blocks, int k) {
        long end = blocks.get(k).endAddress();
        if (k + 1 < blocks.size() && blocks.get(k + 1).address() == end && !shadowed.contains(end)) {
            return blocks.get(k + 1);
        }
        return blockAt.get(end);
    }

    private List<AddressRange> unreached(List<Function> functions) {
        List<AddressRange> regions = image.ranges();
        // Per region, the covered ranges as (offset << 32 | length): sorting these longs sorts the ranges
        // by start, all the sweep below needs, since of ranges sharing a start it keeps the furthest end.
        // (Region offsets fit in 31 bits: CodeImage indexes regions by int.) Counted first, so that
        // each region's array is allocated once at its size.
        int[] counts = new int[regions.size()];
        forEachCovered(functions, regions, (r, start, end) -> counts[r]++);
        long[][] covered = new long[regions.size()][];
        for (int r = 0; r < covered.length; r++) {
            covered[r] = new long[counts[r]];
        }
        int[] filled = new int[regions.size()];
        forEachCovered(functions, regions, (r, start, end) -> covered[r][filled[r]++] =
                (start - regions.get(r).start()) << 32 | Math.min(end - start, 0xFFFF_FFFFL));
        List<AddressRange> gaps = new ArrayList<>();
        for (int r = 0; r < covered.length; r++) {
            AddressRange region = regions.get(r);
            long[] ranges = covered[r];
            java.util.Arrays.sort(ranges);
            long pos = region.start();
            for (long c : ranges) {
                long start = region.start() + (c >>> 32);
                if (start > pos) {
                    gaps.add(new AddressRange(pos, start));
                }
                pos = Math.max(pos, start + (c & 0xFFFF_FFFFL));
            }
            if (pos < region.end()) {
                gaps.add(new AddressRange(pos, region.end()));
            }
        }
        return gaps;
    }

    /** Receives a covered range [start, end) and the region it starts in. */
    private interface CoveredRange {
        void accept(int region, long start, long end);
    }

    /** Gives every block's and PLT stub's range that starts in a region to {@code action}. */
    private void forEachCovered(List<Function> functions, List<AddressRange> regions, CoveredRange action) {
        for (Function f : functions) {
            if (!f.isPlt()) {
                for (Block b : f.blocks()) {
                    cover(regions, action, b.address(), b.endAddress());
                }
            }
        }
        for (long address : plt.keySet()) {
            cover(regions, action, address, address + 16);
        }
    }

    /** Gives [start, end) to {@code action} with the region it starts in (none: it covers nothing). */
    private static void cover(List<AddressRange> regions, CoveredRange action, long start, long end) {
        for (int r = 0; r < regions.size(); r++) {
            AddressRange region = regions.get(r);
            if (start >= region.start() && start < region.end()) {
                action.accept(r, start, end);
                return;
            }
        }
    }
}
