package org.ykrw.core.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.ir.UnresolvedJump;

/**
 * The blocks instrumentation may miss because of indirect jumps the analysis could not resolve (that
 * are no provable tail calls): a function left in place for one has none of its blocks instrumented;
 * a moved one may jump, through it, to the old address of any of its blocks (code addresses the program
 * computes are old ones) or into code of its range that no block covers, which then runs in the old
 * code, uninstrumented (strict mode makes that trap).
 */
public final class BlockLoss {
    private BlockLoss() {
    }

    /**
     * One function that may lose blocks.
     *
     * @param function the function
     * @param moved true when it moved (it may lose the code of its range no block covers), false when
     *        it stays in place (all its blocks go uninstrumented)
     * @param blocks its blocks (all uninstrumented when it stays in place)
     * @param unreachedBytes bytes of its range no block of it covers
     * @param jumps its unresolved jumps that may be tables
     */
    public record Entry(Function function, boolean moved, int blocks, long unreachedBytes, List<Long> jumps) {
        /** @return one line for --report */
        public String describe() {
            StringBuilder b = new StringBuilder();
            b.append(String.format("may lose blocks: %s at 0x%x: ", function.name(), function.entryAddress()));
            if (moved) {
                b.append(String.format("moved, the jump may reach its old code: %d blocks, %d bytes of its range"
                        + " in no block", blocks, unreachedBytes));
            } else {
                b.append(String.format("left in place, %d blocks uninstrumented", blocks));
            }
            b.append("; unresolved jump");
            b.append(jumps.size() == 1 ? " at" : "s at");
            for (long j : jumps) {
                b.append(String.format(" 0x%x", j));
            }
            return b.toString();
        }
    }

    /**
     * @param program the lifted program
     * @param moved the functions that move
     * @return the functions holding an unresolved indirect jump that may be a table, in address order
     */
    public static List<Entry> of(Program program, Set<Function> moved) {
        Map<Function, List<Long>> jumps = new LinkedHashMap<>();
        for (UnresolvedJump u : program.unresolvedJumps()) {
            if (u.mayBeTable() && !u.function().isPlt()) {
                jumps.computeIfAbsent(u.function(), f -> new ArrayList<>()).add(u.address());
            }
        }
        List<Entry> out = new ArrayList<>();
        for (Map.Entry<Function, List<Long>> e : jumps.entrySet()) {
            Function f = e.getKey();
            long covered = 0;
            for (Block b : f.blocks()) {
                if (b.address() >= f.entryAddress() && b.endAddress() <= f.endAddress()) {
                    covered += b.size();
                }
            }
            long range = f.endAddress() - f.entryAddress();
            out.add(new Entry(f, moved.contains(f), f.blocks().size(), Math.max(0, range - covered), e.getValue()));
        }
        out.sort((a, b) -> Long.compareUnsigned(a.function().entryAddress(), b.function().entryAddress()));
        return out;
    }

    /** @return the one-line summary, or null when no function may lose blocks */
    public static String summary(List<Entry> entries) {
        if (entries.isEmpty()) {
            return null;
        }
        long inPlace = entries.stream().filter(e -> !e.moved()).count();
        long blocks = entries.stream().filter(e -> !e.moved()).mapToLong(Entry::blocks).sum();
        long movedBlocks = entries.stream().filter(Entry::moved).mapToLong(Entry::blocks).sum();
        long movedBytes = entries.stream().filter(Entry::moved).mapToLong(Entry::unreachedBytes).sum();
        return String.format("%d functions may lose blocks to unresolved indirect jumps: %d left in place"
                + " (%d blocks uninstrumented), %d moved whose jumps may reach old code (%d blocks, %d bytes"
                + " of their ranges in no block)",
                entries.size(), inPlace, blocks, entries.size() - inPlace, movedBlocks, movedBytes);
    }
}
