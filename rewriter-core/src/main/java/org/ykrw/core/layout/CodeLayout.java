package org.ykrw.core.layout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.encode.CodeWriter;
import org.ykrw.core.x86.encode.Relocator;

/**
 * Places the relocated functions in the new code segment and emits them. Blocks keep their original
 * order; a block whose fall-through successor is not emitted right after it gets an explicit jmp.
 *
 * <p>Branch relaxation: jmp/jcc start in their short (rel8) form where the original was short, and
 * every added fall-through jmp starts short; a measuring pass places everything, each short branch
 * whose target is then out of reach becomes rel32, and passes repeat until none grows (a branch never
 * shrinks again, so this ends). Sizes and bytes come from the same emission code, in measuring and
 * writing mode.
 */
public final class CodeLayout {
    private static final int FUNCTION_ALIGN = 16;

    private final Program program;
    private final List<Function> functions;
    private final long base;
    private final Map<Long, Long> newBlockAddress = new HashMap<>();
    private final Map<Long, Long> newInsnAddress = new HashMap<>();
    private final Map<Function, long[]> newRange = new HashMap<>();
    private int size;
    /** Per relaxable branch, in emission order: true once it needs rel32. */
    private boolean[] isLong = new boolean[0];
    /** Filled by each measuring pass, per relaxable branch: its address and old target. */
    private long[] shortAt = new long[0];
    private long[] shortTarget = new long[0];
    private int branchIndex;
    private int passes;

    /**
     * @param program the lifted program
     * @param functions the functions to relocate, in address order
     * @param base address of the new code segment
     */
    public CodeLayout(Program program, List<Function> functions, long base) {
        this.program = program;
        this.functions = List.copyOf(functions);
        this.base = base;
        place();
    }

    /** @return the output address of the block that started at {@code oldAddress}, or null when not relocated */
    public Long newAddressOfBlock(long oldAddress) {
        return newBlockAddress.get(oldAddress);
    }

    /** @return old instruction address -> its new address (for unwind-info and symbol remapping) */
    public Map<Long, Long> instructionMap() {
        return newInsnAddress;
    }

    /** @return the code size */
    public int size() {
        return size;
    }

    private void place() {
        while (true) {
            passes++;
            newBlockAddress.clear();
            newInsnAddress.clear();
            newRange.clear();
            CodeWriter m = CodeWriter.measuring(base);
            branchIndex = 0;
            emitAll(m, true);
            size = m.size();
            // grow every short branch that cannot reach its target from where this pass put it
            boolean grown = false;
            for (int i = 0; i < branchIndex; i++) {
                long disp = target(shortTarget[i]) - (shortAt[i] + 2);
                if (!isLong[i] && (disp < Byte.MIN_VALUE || disp > Byte.MAX_VALUE)) {
                    isLong[i] = true;
                    grown = true;
                }
            }
            if (!grown) {
                return;
            }
        }
    }

    /** @return measuring passes the layout took */
    public int passes() {
        return passes;
    }

    /** @return the bytes of the new code segment */
    public byte[] emit() {
        CodeWriter w = CodeWriter.at(base);
        branchIndex = 0;
        emitAll(w, false);
        if (w.size() != size) {
            throw new IllegalStateException("layout and emission disagree: " + size + " vs " + w.size());
        }
        return w.toByteArray();
    }

    private void emitAll(CodeWriter w, boolean measuring) {
        for (Function f : functions) {
            int pad = (int) ((FUNCTION_ALIGN - (w.address() % FUNCTION_ALIGN)) % FUNCTION_ALIGN);
            w.nop(pad);
            long start = w.address();
            List<Block> blocks = f.blocks();
            for (int k = 0; k < blocks.size(); k++) {
                Block b = blocks.get(k);
                if (measuring) {
                    newBlockAddress.putIfAbsent(b.address(), w.address());
                }
                for (Insn i : b.instructions()) {
                    if (measuring) {
                        newInsnAddress.putIfAbsent(i.address(), w.address());
                    }
                    if (Relocator.isBranch(i)) {
                        boolean canBeShort = Relocator.hasShortForm(i);
                        boolean isShort = canBeShort && !branchIsLong(Relocator.isShortEncoded(i), measuring, w, i.target());
                        Relocator.branch(w, i, measuring ? w.address() : target(i.target()), isShort);
                    } else {
                        Relocator.relocate(w, i);
                    }
                }
                Insn last = b.lastInstruction();
                boolean fallsThrough = last.flow().fallsThrough() && !endsInNoReturnCall(b);
                Block next = k + 1 < blocks.size() ? blocks.get(k + 1) : null;
                if (fallsThrough && (next == null || next.address() != last.end())) {
                    if (branchIsLong(true, measuring, w, last.end())) {
                        w.jmp(measuring ? w.address() : target(last.end()));
                    } else {
                        w.jmpShort(measuring ? w.address() : target(last.end()));
                    }
                }
            }
            if (measuring) {
                newRange.put(f, new long[] {start, w.address()});
            }
        }
    }

    /**
     * Decides the form of the next relaxable branch (jmp/jcc with a rel8 form) and, when measuring,
     * records where a short one sits and where it goes.
     *
     * @param startsShort whether the branch starts short (before the first placement only)
     * @return true when the branch is emitted as rel32
     */
    private boolean branchIsLong(boolean startsShort, boolean measuring, CodeWriter w, long oldTarget) {
        int i = branchIndex++;
        if (measuring && passes == 1) {
            if (i >= isLong.length) {
                isLong = Arrays.copyOf(isLong, Math.max(64, isLong.length * 2));
                shortAt = Arrays.copyOf(shortAt, isLong.length);
                shortTarget = Arrays.copyOf(shortTarget, isLong.length);
            }
            isLong[i] = !startsShort;
        }
        if (measuring) {
            shortAt[i] = w.address();
            shortTarget[i] = oldTarget;
        }
        return isLong[i];
    }

    /** @return the new [start, end) of a relocated function's code */
    public long[] newRange(Function f) {
        return newRange.get(f);
    }

    private static boolean endsInNoReturnCall(Block b) {
        return b.lastInstruction().flow() == FlowKind.CALL && b.successors().stream()
                .noneMatch(e -> e.kind() == org.ykrw.core.ir.EdgeKind.FALL_THROUGH);
    }

    /** @return where a branch to {@code oldTarget} goes now: the relocated block, or the old address */
    private long target(long oldTarget) {
        Long moved = newBlockAddress.get(oldTarget);
        return moved != null ? moved : oldTarget;
    }

    /** @return the functions laid out */
    public List<Function> functions() {
        return functions;
    }

    static List<Function> inAddressOrder(List<Function> fs) {
        List<Function> out = new ArrayList<>(fs);
        out.sort((a, b) -> Long.compareUnsigned(a.entryAddress(), b.entryAddress()));
        return out;
    }
}
