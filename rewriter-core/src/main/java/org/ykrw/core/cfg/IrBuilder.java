package org.ykrw.core.cfg;

import java.util.ArrayList;
import java.util.HashMap;
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

    private final CodeImage image;
    private final FunctionStarts starts;
    private final Map<Long, String> plt;
    private final Map<Long, LiftedFunction> lifted;
    private final Set<Long> noReturn;
    private final LongMap<Block> blockAt = new LongMap<>(1 << 16);
    private final Map<Long, Function> functionAt = new HashMap<>();

    IrBuilder(CodeImage image, FunctionStarts starts, Map<Long, String> plt, Map<Long, LiftedFunction> lifted,
            Set<Long> noReturn) {
        this.image = image;
        this.starts = starts;
        this.plt = plt;
        this.lifted = lifted;
        this.noReturn = noReturn;
    }

    Program build(long millis) {
        List<Function> functions = new ArrayList<>();
        plt.forEach((address, name) -> {
            Function f = new Function(address, name);
            f.addSource(DiscoverySource.PLT);
            f.setPlt();
            f.setNoReturn(noReturn.contains(address));
            functions.add(f);
            functionAt.put(address, f);
        });
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
            if (!lf.problems.isEmpty()) {
                f.skip(lf.problems.get(0));
            }
            functions.add(f);
            functionAt.put(lf.entry, f);
        }
        List<JumpTable> tables = new ArrayList<>();
        List<UnresolvedJump> unresolved = new ArrayList<>();
        for (LiftedFunction lf : lifted.values()) {
            Function f = functionAt.get(lf.entry);
            for (JumpTable t : lf.tables.values()) {
                tables.add(new JumpTable(t.kind(), t.tableAddress(), t.entrySize(), t.base(), t.targets(),
                        t.jumpAddress(), f, t.widthBound()));
            }
            lf.unresolved.forEach((address, reason) -> unresolved.add(
                    new UnresolvedJump(address, f, reason, lf.unresolvedTables.contains(address))));
            connect(f, lf);
        }
        return new Program(functions, cutAtNextTable(tables), unresolved, unreached(functions), millis);
    }

    private void makeBlocks(Function f, LiftedFunction lf) {
        List<Insn> current = new ArrayList<>();
        Insn prev = null;
        for (Insn i : lf.insns.values()) {
            boolean split = prev != null && (prev.end() != i.address() || lf.leaders.contains(i.address())
                    || endsBlock(prev, lf));
            if (split) {
                addBlock(f, lf, current);
                current = new ArrayList<>();
            }
            current.add(i);
            prev = i;
        }
        if (!current.isEmpty()) {
            addBlock(f, lf, current);
        }
    }

    private void addBlock(Function f, LiftedFunction lf, List<Insn> insns) {
        Block b = f.addBlock(insns);
        blockAt.putIfAbsent(b.address(), b);
        if (b.address() == lf.entry || lf.landingPads.contains(b.address()) || lf.extraRoots.contains(b.address())) {
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

    private void connect(Function f, LiftedFunction lf) {
        for (Block b : f.blocks()) {
            for (Insn i : b.instructions()) {
                if (i.flow() == FlowKind.CALL) {
                    f.addEdge(b, blockAt.get(i.target()), i.target(), EdgeKind.CALL);
                }
            }
            Insn last = b.lastInstruction();
            switch (last.flow()) {
                case SEQUENTIAL, INDIRECT_CALL, CALL -> {
                    if (!lf.noReturnCalls.contains(last.address())) {
                        f.addEdge(b, blockAt.get(last.end()), last.end(), EdgeKind.FALL_THROUGH);
                    }
                }
                case COND_JUMP -> {
                    f.addEdge(b, blockAt.get(last.target()), last.target(), directKind(f, last.target(), EdgeKind.CONDITIONAL));
                    f.addEdge(b, blockAt.get(last.end()), last.end(), EdgeKind.FALL_THROUGH);
                }
                case JUMP -> f.addEdge(b, blockAt.get(last.target()), last.target(),
                        directKind(f, last.target(), EdgeKind.BRANCH));
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

    private EdgeKind directKind(Function f, long target, EdgeKind internal) {
        Block t = blockAt.get(target);
        return t != null && t.function() == f ? internal : EdgeKind.TAIL_CALL;
    }

    private List<AddressRange> unreached(List<Function> functions) {
        // Covered ranges as {start, end} pairs sorted by start (then end); several with one start act as
        // the longest of them, since the sweep below keeps the furthest end it has seen.
        int n = plt.size();
        for (Function f : functions) {
            n += f.isPlt() ? 0 : f.blocks().size();
        }
        long[][] covered = new long[n][];
        int k = 0;
        for (Function f : functions) {
            if (f.isPlt()) {
                continue;
            }
            for (Block b : f.blocks()) {
                covered[k++] = new long[] {b.address(), b.endAddress()};
            }
        }
        for (long address : plt.keySet()) {
            covered[k++] = new long[] {address, address + 16};
        }
        java.util.Arrays.sort(covered, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        List<AddressRange> gaps = new ArrayList<>();
        for (AddressRange region : image.ranges()) {
            long pos = region.start();
            for (long[] c : covered) {
                if (c[0] < region.start() || c[0] >= region.end()) {
                    continue;
                }
                if (c[0] > pos) {
                    gaps.add(new AddressRange(pos, c[0]));
                }
                pos = Math.max(pos, c[1]);
            }
            if (pos < region.end()) {
                gaps.add(new AddressRange(pos, region.end()));
            }
        }
        return gaps;
    }
}
