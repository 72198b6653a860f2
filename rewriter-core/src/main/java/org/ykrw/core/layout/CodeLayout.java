package org.ykrw.core.layout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Probe;
import org.ykrw.core.ir.ProbeContext;
import org.ykrw.core.ir.Program;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.encode.CodeWriter;
import org.ykrw.core.x86.encode.Relocator;

/**
 * Places the relocated functions in the new code segment and emits them, with the probes passes
 * inserted. Every direct branch is emitted in its rel32 form, so sizes do not depend on addresses
 * and one measuring pass fixes the layout (shorter forms would need branch relaxation: later).
 * Blocks keep their original order; a block whose fall-through successor is not emitted right after
 * it gets an explicit jmp. Trampolines that probes ask for follow the last function.
 *
 * <p>Two steps: the constructor measures (runtime symbols are placeholders then, see
 * {@link Probe}); {@link #emit(Function)} writes, once the caller knows where the runtime goes.
 */
public final class CodeLayout {
    private static final int FUNCTION_ALIGN = 16;

    private final Program program;
    private final List<Function> functions;
    private final long base;
    private final Map<Long, Long> newBlockAddress = new HashMap<>();
    private final Map<Long, Long> newInsnAddress = new HashMap<>();
    private final Map<Function, long[]> newRange = new HashMap<>();
    private final List<Long> trampolineAddresses = new ArrayList<>();
    private final List<long[]> patchSites = new ArrayList<>();
    private int size;
    private int patchSiteCount;

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
        Emission measuring = new Emission(true, name -> base);
        emitAll(m, measuring);
        for (Consumer<CodeWriter> body : measuring.trampolines) {
            trampolineAddresses.add(m.address());
            body.accept(m);
        }
        size = m.size();
        patchSiteCount = measuring.sites.size();
    }

    /** @return the bytes of the new code segment, for code without probes that need runtime symbols */
    public byte[] emit() {
        return emit(name -> {
            throw new IllegalStateException("no runtime symbol " + name + " in this layout");
        });
    }

    /**
     * @param symbols output addresses of runtime symbols (see {@link ProbeContext#symbol})
     * @return the bytes of the new code segment
     */
    public byte[] emit(java.util.function.Function<String, Long> symbols) {
        CodeWriter w = CodeWriter.at(base);
        Emission emission = new Emission(false, symbols);
        emitAll(w, emission);
        for (Consumer<CodeWriter> body : emission.trampolines) {
            body.accept(w);
        }
        if (w.size() != size) {
            throw new IllegalStateException("layout and emission disagree: " + size + " vs " + w.size());
        }
        patchSites.clear();
        patchSites.addAll(emission.sites);
        return w.toByteArray();
    }

    /** @return how many patch sites the probes have (known after measuring) */
    public int patchSiteCount() {
        return patchSiteCount;
    }

    /** @return the patch sites probes recorded, as {site, trampoline} pairs in site-number order (after emit) */
    public List<long[]> patchSites() {
        return patchSites;
    }

    /** The {@link ProbeContext} of one run over the code (measuring or writing). */
    private final class Emission implements ProbeContext {
        private final boolean measuring;
        private final java.util.function.Function<String, Long> symbols;
        private final List<Consumer<CodeWriter>> trampolines = new ArrayList<>();
        private final List<long[]> sites = new ArrayList<>();

        Emission(boolean measuring, java.util.function.Function<String, Long> symbols) {
            this.measuring = measuring;
            this.symbols = symbols;
        }

        @Override
        public long symbol(String name) {
            Long at = symbols.apply(name);
            if (at == null) {
                throw new IllegalStateException("no runtime symbol " + name);
            }
            return at;
        }

        @Override
        public long trampoline(Consumer<CodeWriter> body) {
            int k = trampolines.size();
            trampolines.add(body);
            return measuring ? base : trampolineAddresses.get(k);
        }

        @Override
        public int patchSite(long site, long trampoline) {
            if ((site & 7) > 3) {
                throw new IllegalStateException(String.format("patch site 0x%x crosses an 8-byte boundary", site));
            }
            sites.add(new long[] {site, trampoline});
            return sites.size() - 1;
        }
    }

    private void emitAll(CodeWriter w, Emission emission) {
        boolean measuring = emission.measuring;
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
                List<Insn> insns = b.instructions();
                for (int n = 0; n < insns.size(); n++) {
                    Insn i = insns.get(n);
                    if (measuring) {
                        newInsnAddress.putIfAbsent(i.address(), w.address());
                    }
                    for (Probe p : b.probesBefore(n)) {
                        p.emit(w, emission);
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
