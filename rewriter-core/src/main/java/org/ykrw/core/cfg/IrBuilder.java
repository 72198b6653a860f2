package org.ykrw.core.cfg;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ykrw.core.ir.AddressRange;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.DiscoverySource;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.JumpTable;
import org.ykrw.core.ir.Program;
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
    private final LongMap<Block> blockAt;
    /** starts of blocks that blockAt does not hold, another function's block starting there first */
    private final LongSet shadowed = new LongSet();

    IrBuilder(CodeImage image, FunctionStarts starts, Map<Long, String> plt, Map<Long, LiftedFunction> lifted,
            Set<Long> noReturn) {
        this.image = image;
        this.starts = starts;
        this.plt = plt;
        this.lifted = lifted;
        this.noReturn = noReturn;
        // About a block every four instructions: sized so the table does not grow (rehashing) as it fills.
        int insns = 0;
        for (LiftedFunction lf : lifted.values()) {
            insns += lf.insns.size();
        }
        this.blockAt = new LongMap<>(Math.max(insns / 4, 1 << 10));
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
        // The functions made from lifted ones and their calls, in the order of lifted.values().
        List<Function> made = new ArrayList<>(lifted.size());
        List<List<Insn>> calls = new ArrayList<>(lifted.size());
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
            calls.add(makeBlocks(f, lf));
            f.setCfgBuilt();
            if (!lf.problems.isEmpty()) {
                f.skip(lf.problems.get(0));
            }
            functions.add(f);
            made.add(f);
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
            lf.unresolved.forEach((address, reason) -> unresolved.add(
                    new UnresolvedJump(address, f, reason, lf.unresolvedTables.contains(address))));
            connect(f, lf, calls.get(n++));
        }
        return new Program(functions, cutAtNextTable(tables), unresolved, unreached(functions), millis);
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

    /** @return the calls among the function's instructions, in address order */
    private List<Insn> makeBlocks(Function f, LiftedFunction lf) {
        // Blocks are runs of the address-ordered instructions: handed over as views, copied once by Block.
        // The calls are picked out on the way, while each instruction is at hand, for connect.
        List<Insn> insns = lf.insns.values();
        List<Insn> calls = new ArrayList<>();
        int from = 0;
        for (int k = 0; k < insns.size(); k++) {
            Insn i = insns.get(k);
            if (i.flow() == FlowKind.CALL) {
                calls.add(i);
            }
            if (k == 0) {
                continue;
            }
            Insn prev = insns.get(k - 1);
            if (prev.end() != i.address() || lf.leaders.contains(i.address()) || endsBlock(prev, lf)) {
                addBlock(f, lf, insns.subList(from, k));
                from = k;
            }
        }
        if (from < insns.size()) {
            addBlock(f, lf, insns.subList(from, insns.size()));
        }
        return calls;
    }

    private void addBlock(Function f, LiftedFunction lf, List<Insn> insns) {
        Block b = f.addBlock(insns);
        if (blockAt.get(b.address()) == null) {
            blockAt.put(b.address(), b);
        } else {
            shadowed.add(b.address());
        }
        // Most functions have neither: spare boxing the address for the sets.
        if (b.address() == lf.entry || !lf.landingPads.isEmpty() && lf.landingPads.contains(b.address())
                || !lf.extraRoots.isEmpty() && lf.extraRoots.contains(b.address())) {
            f.markIndirectTarget(b);
        }
    }

    private static boolean endsBlock(Insn i, LiftedFunction lf) {
        FlowKind k = i.flow();
        if (k == FlowKind.CALL) {
            return lf.noReturnCalls.contains(i.address());
        }
        return k != FlowKind.SEQUENTIAL && k != FlowKind.INDIRECT_CALL;
    }

    private void connect(Function f, LiftedFunction lf, List<Insn> calls) {
        int c = 0;
        List<Block> blocks = f.blocks();
        for (int k = 0; k < blocks.size(); k++) {
            Block b = blocks.get(k);
            // Blocks and calls are both in address order, and every call lies in one block.
            for (; c < calls.size() && calls.get(c).address() < b.endAddress(); c++) {
                Insn i = calls.get(c);
                f.addEdge(b, blockAt.get(i.target()), i.target(), EdgeKind.CALL);
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
                        for (long target : new java.util.TreeSet<>(t.codeTargets())) {
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
        // (Region offsets fit in 31 bits: CodeImage indexes regions by int.)
        LongList[] covered = new LongList[regions.size()];
        for (int r = 0; r < covered.length; r++) {
            covered[r] = new LongList();
        }
        for (Function f : functions) {
            if (!f.isPlt()) {
                for (Block b : f.blocks()) {
                    cover(regions, covered, b.address(), b.endAddress());
                }
            }
        }
        for (long address : plt.keySet()) {
            cover(regions, covered, address, address + 16);
        }
        List<AddressRange> gaps = new ArrayList<>();
        for (int r = 0; r < covered.length; r++) {
            AddressRange region = regions.get(r);
            long[] ranges = covered[r].toArray();
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

    /** Adds [start, end) to the covered ranges of the region it starts in (none: it covers nothing). */
    private static void cover(List<AddressRange> regions, LongList[] covered, long start, long end) {
        for (int r = 0; r < covered.length; r++) {
            AddressRange region = regions.get(r);
            if (start >= region.start() && start < region.end()) {
                covered[r].add((start - region.start()) << 32 | Math.min(end - start, 0xFFFF_FFFFL));
                return;
            }
        }
    }
}
