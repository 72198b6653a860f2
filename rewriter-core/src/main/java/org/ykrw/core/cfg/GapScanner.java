package org.ykrw.core.cfg;

import com.carrotsearch.hppc.LongArrayList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.ykrw.core.ir.AddressRange;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;

/**
 * Finds functions that nothing points at in the file (hand-written assembly reached only through
 * data the analysis cannot see, such as glibc's TLS descriptor helpers in static binaries): in bytes
 * that no lifted function covers and no FDE describes, after alignment padding, a run of instructions
 * that decodes cleanly up to a return or jump is taken as a function start. Where the gap's first bytes
 * are no such start (padding that ends off alignment, as clang -Os leaves before main), an address that
 * lifted code takes ({@code lea rdi, [rip + main]}, {@code mov edi, main}) and that begins such a run is.
 */
final class GapScanner {
    private static final int MAX_RUN = 2000;

    private final CodeImage image;
    private final List<AddressRange> regions;
    /**
     * Per region, the covered ranges that start in it as (offset << 32 | length), so that sorting the
     * longs sorts the ranges by start (region offsets fit in 31 bits: CodeImage indexes regions by
     * int): a tree map of boxed addresses cost a node and two boxes per run of instructions.
     */
    private final LongArrayList[] covered;
    /** whether covered[r] is sorted */
    private final boolean[] sorted;
    /** gap starts that held no code last time: nothing new can appear there */
    private final java.util.Set<Long> barren = new java.util.HashSet<>();
    /** code addresses that lifted instructions take, sorted (grows with each {@link #cover}) */
    private long[] taken = new long[0];

    /**
     * @param image the code
     * @param plt PLT stubs (covered, never scanned)
     * @param frameRanges FDE ranges (covered: code there belongs to described functions)
     */
    GapScanner(CodeImage image, Map<Long, String> plt, TreeMap<Long, Long> frameRanges) {
        this.image = image;
        this.regions = image.ranges();
        this.covered = new LongArrayList[regions.size()];
        this.sorted = new boolean[regions.size()];
        for (int r = 0; r < covered.length; r++) {
            covered[r] = new LongArrayList();
        }
        for (long p : plt.keySet()) {
            cover(p, p + 16);
        }
        frameRanges.forEach(this::cover);
    }

    /** Adds [start, end) to the ranges of the region it starts in (none: no gap scan reaches it). */
    private void cover(long start, long end) {
        for (int r = 0; r < covered.length; r++) {
            AddressRange region = regions.get(r);
            if (start >= region.start() && start < region.end()) {
                covered[r].add((start - region.start()) << 32 | Math.max(0, Math.min(end - start, 0xFFFF_FFFFL)));
                sorted[r] = false;
                return;
            }
        }
    }

    /** Marks the code of these functions as covered, and notes the code addresses they take. */
    void cover(java.util.Collection<LiftedFunction> functions) {
        LongArrayList found = new LongArrayList();
        for (LiftedFunction f : functions) {
            java.util.Set<Long> tables = f.tables.isEmpty() ? java.util.Set.of() : new java.util.HashSet<>();
            f.tables.values().forEach(t -> tables.add(t.tableAddress()));  // data in code, not a function
            for (Insn i : f.insns.sortedArray()) {
                long t = takenAddress(i);
                if (t != 0 && image.isCode(t) && !tables.contains(t)) {
                    found.add(t);
                }
            }
        }
        if (!found.isEmpty()) {
            long[] more = java.util.Arrays.copyOf(taken, taken.length + found.size());
            System.arraycopy(found.toArray(), 0, more, taken.length, found.size());
            java.util.Arrays.sort(more);
            taken = more;
        }
        for (LiftedFunction f : functions) {
            // One entry per contiguous run of instructions, not per instruction: far fewer map entries.
            long runStart = -1;
            long runEnd = -1;
            for (Insn i : f.insns.sortedArray()) {
                if (i.address() != runEnd) {
                    if (runStart >= 0) {
                        cover(runStart, runEnd);
                    }
                    runStart = i.address();
                }
                runEnd = i.end();
            }
            if (runStart >= 0) {
                cover(runStart, runEnd);
            }
        }
    }

    /** @return candidate function starts, at most one per gap (the first code after its padding) */
    List<Long> scan() {
        List<Long> out = new ArrayList<>();
        for (int r = 0; r < covered.length; r++) {
            AddressRange region = regions.get(r);
            if (!sorted[r]) {
                covered[r].sort();
                sorted[r] = true;
            }
            long pos = region.start();
            for (int k = 0; k < covered[r].size(); k++) {
                long c = covered[r].get(k);
                long start = region.start() + (c >>> 32);
                if (start > pos) {
                    candidate(pos, start, out);
                }
                pos = Math.max(pos, start + (c & 0xFFFF_FFFFL));
            }
            if (pos < region.end()) {
                candidate(pos, region.end(), out);
            }
        }
        return out;
    }

    private void candidate(long start, long end, List<Long> out) {
        int before = out.size();
        if (!barren.contains(start)) {
            findCandidate(start, end, out);
            if (out.size() == before) {
                barren.add(start);
            }
        }
        if (out.size() == before) {
            // the first taken address in the gap that starts a clean run
            int k = java.util.Arrays.binarySearch(taken, start);
            for (k = k >= 0 ? k : -k - 1; k < taken.length && taken[k] < end && out.size() == before; k++) {
                if (k == 0 || taken[k] != taken[k - 1]) {
                    runsToAnEnd(taken[k], end, out);
                }
            }
        }
    }

    /**
     * @return the address an instruction takes as a value: a rip-relative operand (lea's, or a load
     *     of a pointer's slot, which is no code), or a 32-bit immediate moved or pushed (non-PIE code
     *     takes a function's address so); 0 if none
     */
    private static long takenAddress(Insn i) {
        if (i.dispSize() != 4 && i.immSize() != 4) {
            return 0;  // neither a rip-relative operand (disp32 always) nor an imm32: most instructions, at two field reads
        }
        if (i.isRipRelative()) {
            return i.ripTarget();
        }
        if (i.immSize() == 4 && i.memOperand() == null && (i.mnemonic().equals("mov") || i.mnemonic().equals("push"))) {
            // the immediate is the last operand; its 32 encoded bits, whatever the instruction extends them to
            List<org.ykrw.core.x86.Operand> ops = i.operands();
            org.ykrw.core.x86.Operand imm = ops.isEmpty() ? null : ops.get(ops.size() - 1);
            return imm != null && imm.kind() == org.ykrw.core.x86.Operand.Kind.IMM ? imm.imm() & 0xFFFF_FFFFL : 0;
        }
        return 0;
    }

    private void findCandidate(long start, long end, List<Long> out) {
        long pos = start;
        while (pos < end) {
            Insn i = image.insnAt(pos);
            if (i == null || !(i.isNop() || i.mnemonic().equals("int3")) ) {
                break;
            }
            pos = i.end();
        }
        // After padding, code begins aligned; with no padding (-Os packs functions) it begins right
        // where the previous code ended. Zero bytes decode as `add [rax], al` and are not code.
        boolean padded = pos > start;
        if (pos < end && !(padded && (pos & 15) != 0)) {
            runsToAnEnd(pos, end, out);
        }
    }

    /** Adds {@code pos} to out when the code from it decodes cleanly up to a return or jump before {@code end}. */
    private void runsToAnEnd(long pos, long end, List<Long> out) {
        if (image.insnAt(pos) == null || image.insnAt(pos).byteAt(0) == 0) {
            return;
        }
        long p = pos;
        for (int n = 0; n < MAX_RUN && p < end; n++) {
            Insn i = image.insnAt(p);
            if (i == null || i.flow() == FlowKind.INVALID) {
                return;
            }
            if (i.flow() == FlowKind.RETURN || i.flow() == FlowKind.JUMP || i.flow() == FlowKind.INDIRECT_JUMP
                    || i.flow() == FlowKind.TRAP) {
                out.add(pos);
                return;
            }
            p = i.end();
        }
    }
}
