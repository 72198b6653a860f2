package org.ykrw.core.layout;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.encode.Relocator;

/**
 * Strict mode: which bytes of the old code to overwrite with {@code int3}, so that any control
 * transfer the analysis missed traps where it lands instead of running old, uninstrumented code.
 *
 * <p>Filled: the instruction bytes of every block of every moved function, except
 * <ul>
 *   <li>its entry ({@code endbr64} when present, and the 5-byte jump to the new code): pointers to
 *       the function, calls from code left in place and PLT/GOT slots reach it there;</li>
 *   <li>the bytes of any block of a function left in place (functions may share or overlap code);</li>
 *   <li>old code the output still reaches on purpose, and everything the old code reached from there
 *       can reach in turn (see {@link #plan}).</li>
 * </ul>
 * Bytes of a moved function's range (its FDE's) that no block covers (code the analysis never found, such as the
 * cases of a switch whose table it misread, and alignment padding) are filled too, so a missed jump traps
 * where it lands rather than after running some old code; but not a gap that code or a jump table
 * refers to as data (an operand's address, absolute or rip-relative, or a table's slots lie in it):
 * data in {@code .text} must keep its bytes.
 */
public final class StrictFill {
    /**
     * What strict mode writes.
     *
     * @param fill ranges [start, end) to fill with int3, sorted and disjoint
     * @param kept ranges of moved functions' old code kept runnable, sorted and disjoint
     */
    public record Plan(List<long[]> fill, List<long[]> kept) {
        /** @return bytes filled */
        public long filledBytes() {
            return fill.stream().mapToLong(r -> r[1] - r[0]).sum();
        }

        /** @return bytes of moved functions' old code kept runnable */
        public long keptBytes() {
            return kept.stream().mapToLong(r -> r[1] - r[0]).sum();
        }

        /** @return one line for the rewrite's report */
        public String summary() {
            return String.format("strict: %d bytes of old code filled with int3, %d kept runnable in %d ranges",
                    filledBytes(), keptBytes(), kept.size());
        }
    }

    private final Program program;
    private final Set<Function> moved;
    private final CodeLayout layout;

    private StrictFill(Program program, Collection<Function> moved, CodeLayout layout) {
        this.program = program;
        this.moved = new HashSet<>(moved);
        this.layout = layout;
    }

    /**
     * Kept runnable: the old addresses the output still transfers control to. These are
     * <ul>
     *   <li>direct branch, call and fall-through targets in code left in place (a function left in
     *       place jumping into a moved one's {@code .cold} part, or falling into it), other than
     *       moved functions' entries;</li>
     *   <li>the same in moved code when the target is no block or entry of moved code (so the new
     *       code reaches it at its old address);</li>
     *   <li>jump-table slots that could not be pointed at the new code ({@code keptTableTargets});</li>
     * </ul>
     * and, from each, every old address the old code there goes on to by a direct branch or by falling
     * through (including after calls: their return address is old code). Indirect jumps in kept code
     * go where the shared tables send them: to the new code when the table was retargeted, else to a
     * kept target.
     *
     * @param program the lifted program
     * @param moved the functions that move
     * @param entryBytes old-code ranges the entry jumps occupy (the endbr64 before a jump, the jump, the
     *     slot a short jump goes through): never filled
     * @param layout the new code's layout
     * @param keptTableTargets old block addresses that jump-table slots still send control to
     * @return the fill and what is kept
     */
    public static Plan plan(Program program, List<Function> moved, List<long[]> entryBytes, CodeLayout layout,
            Collection<Long> keptTableTargets) {
        return new StrictFill(program, moved, layout).plan(moved, entryBytes, keptTableTargets);
    }

    private Plan plan(List<Function> order, List<long[]> entryBytes, Collection<Long> keptTableTargets) {
        List<long[]> candidate = new ArrayList<>();
        List<long[]> protect = new ArrayList<>();
        ArrayDeque<Long> work = new ArrayDeque<>(keptTableTargets);
        long[] dataRefs = dataReferences();
        for (int i = 0; i < order.size(); i++) {
            Function f = order.get(i);
            List<long[]> blocks = new ArrayList<>();
            for (Block b : f.blocks()) {
                blocks.add(new long[] {b.address(), b.endAddress()});
            }
            candidate.addAll(blocks);
            if (f.discoveredBy().contains(org.ykrw.core.ir.DiscoverySource.EH_FRAME)) {
                // only an FDE says where a function ends: without one, its blocks may lie around other code
                candidate.addAll(unreferencedGaps(f, merge(blocks), dataRefs));
            }
        }
        protect.addAll(entryBytes);
        for (Function f : program.functions()) {
            boolean isMoved = moved.contains(f);
            for (Block b : f.blocks()) {
                if (!isMoved) {
                    protect.add(new long[] {b.address(), b.endAddress()});
                }
                for (long t : targets(b, b.address())) {
                    if (!isMoved || (layout.newAddressOfBlock(t) == null && layout.newAddressOfFunction(t) == null)) {
                        work.add(t);
                    }
                }
            }
        }
        List<long[]> kept = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        while (!work.isEmpty()) {
            long t = work.poll();
            if (!seen.add(t)) {
                continue;
            }
            Block b = program.blockContaining(t);
            if (b == null || !moved.contains(b.function()) || t == b.function().entryAddress()) {
                continue;  // not moved code, or a moved entry (its jump is kept)
            }
            kept.add(new long[] {t, b.endAddress()});
            work.addAll(targets(b, t));
        }
        List<long[]> keptMerged = merge(kept);
        protect.addAll(keptMerged);
        return new Plan(subtract(merge(candidate), merge(protect)), keptMerged);
    }

    /** @return the gaps between {@code f}'s blocks inside its range that no data reference falls in */
    private static List<long[]> unreferencedGaps(Function f, List<long[]> blocks, long[] dataRefs) {
        List<long[]> gaps = subtract(List.of(new long[] {f.entryAddress(), f.endAddress()}), blocks);
        gaps.removeIf(g -> {
            int i = java.util.Arrays.binarySearch(dataRefs, g[0]);
            int next = i >= 0 ? i : -i - 1;
            return next < dataRefs.length && dataRefs[next] < g[1];
        });
        return gaps;
    }

    /**
     * @return every address code reads or writes as data, or computes with lea (absolute and rip-relative
     *         memory operands), and every jump-table slot, sorted
     */
    private long[] dataReferences() {
        long[] refs = new long[1024];
        int n = 0;
        for (Function f : program.functions()) {
            for (Block b : f.blocks()) {
                for (Insn i : b.instructions()) {
                    org.ykrw.core.x86.MemOperand m = i.memOperand();
                    if (m == null || m.segment() != org.ykrw.core.x86.MemOperand.SEG_NONE) {
                        continue;
                    }
                    if (m.isRipRelative() || m.base() == org.ykrw.core.x86.Reg.NONE) {
                        if (n == refs.length) {
                            refs = java.util.Arrays.copyOf(refs, n * 2);
                        }
                        refs[n++] = m.isRipRelative() ? i.ripTarget() : m.disp();
                    }
                }
            }
        }
        for (org.ykrw.core.ir.JumpTable t : program.jumpTables()) {
            for (int k = 0; k < t.entryCount(); k++) {
                if (n == refs.length) {
                    refs = java.util.Arrays.copyOf(refs, n * 2);
                }
                refs[n++] = t.tableAddress() + (long) k * t.entrySize();
            }
        }
        long[] out = java.util.Arrays.copyOf(refs, n);
        java.util.Arrays.sort(out);
        return out;
    }

    /** Bytes of names a trap table carries at most: past that, functions are named by address. */
    private static final int MAX_NAME_BYTES = 1 << 20;

    /**
     * The table the embedded runtime's SIGTRAP handler looks a trapping old address up in (layout in
     * ykrw_rt.c, {@code struct strict_range}): per moved function, sorted by old entry, its entry (u64),
     * the size of its old range (u32) and the offset of its name from the table (u32; 0xFFFFFFFF for
     * none: names ykrw made up, {@code fn_<hex>}, are left for the runtime to make again), then the names.
     *
     * @param moved the functions that move, in address order
     * @return the table
     */
    public static byte[] trapTable(List<Function> moved) {
        java.io.ByteArrayOutputStream names = new java.io.ByteArrayOutputStream();
        int headerSize = 16 * moved.size();
        java.nio.ByteBuffer table = java.nio.ByteBuffer.allocate(headerSize).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (Function f : moved) {
            long size = Math.min(f.endAddress() - f.entryAddress(), 0xFFFFFFFFL);
            byte[] name = f.name().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            boolean named = !f.name().startsWith("fn_") && names.size() + name.length < MAX_NAME_BYTES;
            table.putLong(f.entryAddress()).putInt((int) Math.max(size, 0))
                    .putInt(named ? headerSize + names.size() : -1);
            if (named) {
                names.write(name, 0, name.length);
                names.write(0);
            }
        }
        byte[] out = java.util.Arrays.copyOf(table.array(), headerSize + names.size());
        System.arraycopy(names.toByteArray(), 0, out, headerSize, names.size());
        return out;
    }

    /** @return the old addresses the old code of {@code b}, run from {@code from}, branches or falls to */
    private static List<Long> targets(Block b, long from) {
        List<Long> out = new ArrayList<>(2);
        Insn last = null;
        for (Insn i : b.instructions()) {
            if (i.address() < from) {
                continue;
            }
            if (Relocator.isBranch(i) && i.hasTarget()) {
                out.add(i.target());
            }
            last = i;
        }
        if (last != null && last.flow().fallsThrough() && !(last.flow() == FlowKind.CALL && !fallsOn(b))) {
            out.add(last.end());
        }
        return out;
    }

    /** @return false for a block that ends in a call that never returns */
    private static boolean fallsOn(Block b) {
        return b.successors().stream().anyMatch(e -> e.kind() == org.ykrw.core.ir.EdgeKind.FALL_THROUGH);
    }

    /** @return the ranges sorted and merged where they overlap or touch */
    static List<long[]> merge(List<long[]> ranges) {
        List<long[]> sorted = new ArrayList<>(ranges);
        sorted.removeIf(r -> r[1] <= r[0]);
        sorted.sort((a, b) -> Long.compare(a[0], b[0]));
        List<long[]> out = new ArrayList<>();
        for (long[] r : sorted) {
            long[] lastRange = out.isEmpty() ? null : out.get(out.size() - 1);
            if (lastRange != null && r[0] <= lastRange[1]) {
                lastRange[1] = Math.max(lastRange[1], r[1]);
            } else {
                out.add(new long[] {r[0], r[1]});
            }
        }
        return out;
    }

    /** @return {@code from} without the bytes of {@code minus} (both sorted and disjoint) */
    static List<long[]> subtract(List<long[]> from, List<long[]> minus) {
        List<long[]> out = new ArrayList<>();
        int j = 0;
        for (long[] r : from) {
            long start = r[0];
            while (j < minus.size() && minus.get(j)[1] <= start) {
                j++;
            }
            int k = j;
            while (k < minus.size() && minus.get(k)[0] < r[1]) {
                long[] m = minus.get(k);
                if (m[0] > start) {
                    out.add(new long[] {start, m[0]});
                }
                start = Math.max(start, m[1]);
                k++;
            }
            if (start < r[1]) {
                out.add(new long[] {start, r[1]});
            }
        }
        return out;
    }
}
