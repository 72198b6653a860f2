package org.ykrw.core.layout;

import java.util.ArrayList;
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
 * Places the relocated functions in the new code segment and emits them. Every direct branch is
 * emitted in its rel32 form, so sizes do not depend on addresses and one measuring pass fixes the
 * layout (shorter forms would need branch relaxation: later). Blocks keep their original order; a
 * block whose fall-through successor is not emitted right after it gets an explicit jmp.
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
        CodeWriter m = CodeWriter.measuring(base);
        emitAll(m, true);
        size = m.size();
    }

    /** @return the bytes of the new code segment */
    public byte[] emit() {
        CodeWriter w = CodeWriter.at(base);
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
                        Relocator.branch(w, i, measuring ? w.address() : target(i.target()), false);
                    } else {
                        Relocator.relocate(w, i);
                    }
                }
                Insn last = b.lastInstruction();
                boolean fallsThrough = last.flow().fallsThrough() && !endsInNoReturnCall(b);
                Block next = k + 1 < blocks.size() ? blocks.get(k + 1) : null;
                if (fallsThrough && (next == null || next.address() != last.end())) {
                    w.jmp(measuring ? w.address() : target(last.end()));
                }
            }
            if (measuring) {
                newRange.put(f, new long[] {start, w.address()});
            }
        }
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
