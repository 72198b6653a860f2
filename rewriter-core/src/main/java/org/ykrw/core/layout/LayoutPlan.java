package org.ykrw.core.layout;

import java.util.Arrays;
import java.util.List;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Probe;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.encode.Relocator;

/**
 * What the new code segment holds, in emission order, as one flat list of operations made once from
 * the functions: each measuring pass of branch relaxation then only adds sizes along it, and every
 * decision that does not depend on addresses (which instructions are branches, which blocks need an
 * added jmp, where each branch goes in terms of the layout) is taken here, not in every pass.
 *
 * <p>An operation is a kind (top bits) and the position of its subject in emission order (low bits):
 * the i-th function, block, instruction, branch or probe met. Positions, not addresses, are what
 * the passes fill in, so the address maps need no rebuilding between passes.
 */
final class LayoutPlan {
    /** Start of a function: padding to {@link #FUNCTION_ALIGN}, then its start address. */
    static final int ALIGN = 0;
    /** End of a function (after its last block). */
    static final int END = 1;
    /** Where calls to a function go: before its entry probes. */
    static final int ENTRY = 2;
    /** Start of a block (after entry probes, before its first instruction's probes). */
    static final int BLOCK = 3;
    /** Start of an instruction's code (before the probes inserted before it). */
    static final int MARK = 4;
    /** An instruction copied as it is, rip-relative displacement fixed. */
    static final int INSN = 5;
    /** A direct branch re-encoded, or a jmp added after a block whose successor is not next. */
    static final int BRANCH = 6;
    /** A probe. */
    static final int PROBE = 7;
    /** Start of a function's cold part (hot/cold splitting), in the cold region after all hot code. */
    static final int COLD = 8;
    /** End of a function's cold part. */
    static final int COLD_END = 9;
    static final int KIND_SHIFT = 28;
    static final int INDEX_MASK = (1 << KIND_SHIFT) - 1;
    static final int FUNCTION_ALIGN = 16;

    final List<Function> functions;
    int[] ops;
    int opCount;
    /** Operations of the cold region, while the functions are walked (appended to {@link #ops} after). */
    private int[] coldOps = new int[64];
    private int coldOpCount;
    /** Where {@link #op} writes: false for the hot code, true for the cold region. */
    private boolean inCold;
    /** Per instruction: the instruction, its input address and its length (the passes read only the lengths). */
    Insn[] insns;
    long[] insnOld;
    byte[] insnLength;
    int insnCount;
    /** Per function: position of its first instruction (one more entry: the instruction count). */
    final int[] firstInsn;
    /** Per instruction: true when an earlier copy of it was emitted (overlapping functions); that copy is the one mapped. */
    boolean[] repeated;
    private long[] blockOld;
    int blockCount;
    Probe[] probes = new Probe[16];
    int probeCount;
    /** Per branch: the instruction (null for an added fall-through jmp) and the input address it goes to. */
    Insn[] branchInsn = new Insn[64];
    long[] oldTarget = new long[64];
    /** Per branch: its sizes in the rel8 and the rel32 form (equal where it has only one form). */
    byte[] shortSize = new byte[64];
    byte[] longSize = new byte[64];
    /** Per branch: true when it may be short and starts so (the input had it short, or it was added). */
    boolean[] startsShort = new boolean[64];
    /** Per branch: where it goes in the layout: a function's entry, else a block, else (both -1) its old target. */
    int[] targetFunction;
    int[] targetBlock;
    int branchCount;
    /** Input address -> position: first block, first instruction emitted there; last function entered there. */
    AddressIndex blockIndex;
    AddressIndex insnIndex;
    final AddressIndex entryIndex;
    /** Branches that enter a function from elsewhere (calls, jumps from other functions), by branch position. */
    private boolean[] entersFunction = new boolean[64];
    /**
     * Per branch: a conditional jump emitted with its condition inverted, aimed at the instruction's
     * fall-through (its old target is the block laid out next, so it falls through there instead).
     */
    boolean[] inverted = new boolean[64];
    private final CodeOrder order;

    /**
     * Walks the functions once, in emission order. Their blocks and instructions are read here only
     * (large programs' IR does not fit the caches, so every walk over it costs), and the address
     * indexes are built afterwards from the addresses gathered.
     */
    LayoutPlan(List<Function> functions, CodeOrder order) {
        this.functions = functions;
        this.order = order;
        long lowEntry = Long.MAX_VALUE;
        long highEntry = Long.MIN_VALUE;
        int blocks = 0;
        for (Function f : functions) {
            lowEntry = Math.min(lowEntry, f.entryAddress());
            highEntry = Math.max(highEntry, f.entryAddress());
            blocks += f.blocks().size();
        }
        // sized for a few instructions a block (grown if there are more): counting them would mean
        // one more walk over every block
        int insnGuess = 5 * blocks + 16;
        insns = new Insn[insnGuess];
        insnOld = new long[insnGuess];
        insnLength = new byte[insnGuess];
        ops = new int[2 * insnGuess + 2 * blocks + 3 * functions.size()];
        blockOld = new long[blocks + 1];
        firstInsn = new int[functions.size() + 1];
        entryIndex = new AddressIndex(functions.size(), lowEntry, highEntry);
        AddressIndex movedEntries = new AddressIndex(functions.size(), lowEntry, highEntry);
        for (Function f : functions) {
            movedEntries.putIfAbsent(f.entryAddress(), 0);
        }
        for (int fn = 0; fn < functions.size(); fn++) {
            firstInsn[fn] = insnCount;
            add(functions.get(fn), fn, movedEntries);
        }
        firstInsn[functions.size()] = insnCount;
        // the cold region follows all hot code; positions were given in the one walk, so each
        // function's instructions still have consecutive positions
        if (opCount + coldOpCount > ops.length) {
            ops = Arrays.copyOf(ops, opCount + coldOpCount);
        }
        System.arraycopy(coldOps, 0, ops, opCount, coldOpCount);
        opCount += coldOpCount;
        coldOps = null;
        indexAddresses();
        resolveTargets();
    }

    private void add(Function f, int fn, AddressIndex movedEntries) {
        op(ALIGN, fn);
        List<Block> blocks = order != null ? order.blocksOf(f) : f.blocks();
        int hot = order != null ? order.hotBlockCount(f) : blocks.size();
        List<Probe> entryProbes = f.entryProbes();
        for (int k = 0; k < blocks.size(); k++) {
            if (k == hot) {
                op(END, fn);
                inCold = true;
                op(COLD, fn);
            }
            Block b = blocks.get(k);
            List<Insn> list = b.instructions();
            long address = list.get(0).address();
            if (address == f.entryAddress()) {
                op(ENTRY, fn);
                entryIndex.put(f.entryAddress(), fn);
                entryProbes.forEach(this::probe);
            }
            if (blockCount == blockOld.length) {
                blockOld = Arrays.copyOf(blockOld, blockCount * 2);
            }
            blockOld[blockCount] = address;
            op(BLOCK, blockCount++);
            boolean probed = b.hasProbes();
            // the last hot block is followed by another function: nothing falls through from it
            Block next = k + 1 < blocks.size() && k + 1 != hot ? blocks.get(k + 1) : null;
            // falling into the entry block would run the entry probes: jump past them instead
            boolean nextHasEntryProbes = next != null && !entryProbes.isEmpty() && next.address() == f.entryAddress();
            Insn last = list.get(list.size() - 1);
            boolean toNext = order != null && next != null && !nextHasEntryProbes && last.target() == next.address()
                    && movedEntries.get(last.target()) == AddressIndex.ABSENT;
            boolean invert = toNext && Relocator.isInvertible(last) && last.end() != next.address();
            // a jmp to the block the order puts right after it is emitted as nothing (mapped to what follows)
            boolean elide = toNext && last.flow() == FlowKind.JUMP && !b.isRemoved(list.size() - 1);
            for (int n = 0; n < list.size(); n++) {
                Insn i = list.get(n);
                int x = instruction(i);
                op(MARK, x);
                if (probed) {
                    b.probesBefore(n).forEach(this::probe);
                }
                if (b.isRemoved(n) || elide && n == list.size() - 1) {
                    continue;   // mapped to what follows it, emitted as nothing
                }
                if (invert && n == list.size() - 1) {
                    branch(i, i.end(), false);
                    inverted[branchCount - 1] = true;
                } else if (Relocator.isBranch(i)) {
                    boolean enters = movedEntries.get(i.target()) != AddressIndex.ABSENT
                            && (i.flow() == FlowKind.CALL || i.target() != f.entryAddress());
                    branch(i, i.target(), enters);
                } else {
                    op(INSN, x);
                }
            }
            boolean fallsThrough = last.flow().fallsThrough() && !endsInNoReturnCall(b) && !invert;
            if (fallsThrough && (next == null || next.address() != last.end() || nextHasEntryProbes)) {
                branch(null, last.end(), false);
            }
        }
        if (inCold) {
            op(COLD_END, fn);
            inCold = false;
        } else {
            op(END, fn);
        }
    }

    /** @return the position of a new instruction */
    private int instruction(Insn i) {
        if (insnCount == insns.length) {
            int n = insnCount * 2;
            insns = Arrays.copyOf(insns, n);
            insnOld = Arrays.copyOf(insnOld, n);
            insnLength = Arrays.copyOf(insnLength, n);
        }
        insns[insnCount] = i;
        insnOld[insnCount] = i.address();
        insnLength[insnCount] = (byte) i.length();
        return insnCount++;
    }

    /** Input addresses to positions: the first block and the first instruction emitted at each. */
    private void indexAddresses() {
        long low = Long.MAX_VALUE;
        long high = Long.MIN_VALUE;
        for (int i = 0; i < insnCount; i++) {
            low = Math.min(low, insnOld[i]);
            high = Math.max(high, insnOld[i]);
        }
        insnIndex = new AddressIndex(insnCount, low, high);
        repeated = new boolean[insnCount];
        for (int i = 0; i < insnCount; i++) {
            repeated[i] = !insnIndex.putIfAbsent(insnOld[i], i);
        }
        blockIndex = new AddressIndex(blockCount, low, high);
        for (int b = 0; b < blockCount; b++) {
            blockIndex.putIfAbsent(blockOld[b], b);
        }
        blockOld = null;
    }

    private static boolean endsInNoReturnCall(Block b) {
        if (b.lastInstruction().flow() != FlowKind.CALL) {
            return false;
        }
        for (Edge e : b.successors()) {
            if (e.kind() == EdgeKind.FALL_THROUGH) {
                return false;
            }
        }
        return true;
    }

    private void op(int kind, int index) {
        if (inCold) {
            if (coldOpCount == coldOps.length) {
                coldOps = Arrays.copyOf(coldOps, coldOps.length * 2);
            }
            coldOps[coldOpCount++] = kind << KIND_SHIFT | index;
            return;
        }
        if (opCount == ops.length) {
            ops = Arrays.copyOf(ops, ops.length * 2);
        }
        ops[opCount++] = kind << KIND_SHIFT | index;
    }

    private void probe(Probe p) {
        if (probeCount == probes.length) {
            probes = Arrays.copyOf(probes, probes.length * 2);
        }
        probes[probeCount] = p;
        op(PROBE, probeCount++);
    }

    /** Adds a branch: an instruction's (jmp/jcc with a rel8 form relax; calls, loop and jrcxz have one size) or an added jmp. */
    private void branch(Insn i, long target, boolean enters) {
        if (branchCount == branchInsn.length) {
            int n = branchCount * 2;
            branchInsn = Arrays.copyOf(branchInsn, n);
            oldTarget = Arrays.copyOf(oldTarget, n);
            shortSize = Arrays.copyOf(shortSize, n);
            longSize = Arrays.copyOf(longSize, n);
            startsShort = Arrays.copyOf(startsShort, n);
            entersFunction = Arrays.copyOf(entersFunction, n);
            inverted = Arrays.copyOf(inverted, n);
        }
        int x = branchCount++;
        branchInsn[x] = i;
        oldTarget[x] = target;
        entersFunction[x] = enters;
        if (i == null) {
            shortSize[x] = 2;
            longSize[x] = 5;
            startsShort[x] = true;
        } else {
            // a branch that starts long never shrinks: only one that starts short needs its short size
            // (some, such as xbegin, have none)
            startsShort[x] = Relocator.hasShortForm(i) && Relocator.isShortEncoded(i);
            longSize[x] = (byte) Relocator.branchSize(i, false);
            shortSize[x] = startsShort[x] ? (byte) Relocator.branchSize(i, true) : longSize[x];
        }
        op(BRANCH, x);
    }

    /** Once every entry and block has its position: where each branch goes, in positions. */
    private void resolveTargets() {
        targetFunction = new int[branchCount];
        targetBlock = new int[branchCount];
        for (int x = 0; x < branchCount; x++) {
            int fn = entersFunction[x] ? entryIndex.get(oldTarget[x]) : AddressIndex.ABSENT;
            targetFunction[x] = fn;
            targetBlock[x] = fn == AddressIndex.ABSENT ? blockIndex.get(oldTarget[x]) : AddressIndex.ABSENT;
        }
        entersFunction = null;
    }
}
