package org.ykrw.core.layout;

import java.util.ArrayList;
import java.util.Arrays;
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
 * inserted. Blocks keep their original order; a block whose fall-through successor is not emitted
 * right after it gets an explicit jmp. Trampolines that probes ask for follow the last function.
 *
 * <p>Branch relaxation: jmp/jcc start in their short (rel8) form where the original was short, and
 * every added fall-through jmp starts short; a measuring pass places everything, each short branch
 * whose target is then out of reach becomes rel32, and passes repeat until none grows (a branch never
 * shrinks again, so this ends). Sizes and bytes come from the same emission code, in measuring and
 * writing mode.
 *
 * <p>Runtime symbols are placeholders while measuring (see {@link Probe}); {@link #emit(java.util.function.Function)}
 * writes once the caller knows where the runtime goes.
 */
public final class CodeLayout {
    private static final int FUNCTION_ALIGN = 16;

    private final Program program;
    private final List<Function> functions;
    private final long base;
    private final Map<Long, Long> newBlockAddress = new HashMap<>();
    private final Map<Long, Long> newInsnAddress = new HashMap<>();
    private final Map<Long, Long> newFunctionEntry = new HashMap<>();
    private final java.util.Set<Long> movedEntries = new java.util.HashSet<>();
    private final Map<Function, long[]> newRange = new HashMap<>();
    private final List<Long> trampolineAddresses = new ArrayList<>();
    private final List<long[]> patchSites = new ArrayList<>();
    private int size;
    private int patchSiteCount;
    /** Per relaxable branch, in emission order: true once it needs rel32. */
    private boolean[] isLong = new boolean[0];
    /** Filled by each measuring pass, per relaxable branch: its address, old target, and whether it enters a function. */
    private long[] shortAt = new long[0];
    private long[] shortTarget = new long[0];
    private boolean[] shortEntersFunction = new boolean[0];
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
        for (Function f : functions) {
            movedEntries.add(f.entryAddress());
        }
        place();
    }

    /** @return the output address of the block that started at {@code oldAddress}, or null when not relocated */
    public Long newAddressOfBlock(long oldAddress) {
        return newBlockAddress.get(oldAddress);
    }

    /**
     * @param oldEntry a function's input entry address
     * @return where calls to it go now (its entry probes, then its entry block), or null when it did not move
     */
    public Long newAddressOfFunction(long oldEntry) {
        return newFunctionEntry.get(oldEntry);
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
            newFunctionEntry.clear();
            newRange.clear();
            CodeWriter m = CodeWriter.measuring(base);
            branchIndex = 0;
            Emission measuring = new Emission(true, name -> base);
            emitAll(m, measuring);
            trampolineAddresses.clear();
            for (Consumer<CodeWriter> body : measuring.trampolines) {
                trampolineAddresses.add(m.address());
                body.accept(m);
            }
            size = m.size();
            patchSiteCount = measuring.sites.size();
            // grow every short branch that cannot reach its target from where this pass put it
            boolean grown = false;
            for (int i = 0; i < branchIndex; i++) {
                long to = target(shortTarget[i], shortEntersFunction[i]);
                long disp = to - (shortAt[i] + 2);
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
        branchIndex = 0;
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
            if ((site & 7) == 7) {
                throw new IllegalStateException(String.format("patch site 0x%x: its first two bytes cross an 8-byte word", site));
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
                if (b.address() == f.entryAddress()) {
                    if (measuring) {
                        newFunctionEntry.put(f.entryAddress(), w.address());
                    }
                    for (Probe p : f.entryProbes()) {
                        p.emit(w, emission);
                    }
                }
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
                        boolean entersFunction = entersFunction(i, f);
                        boolean canBeShort = Relocator.hasShortForm(i);
                        boolean isShort = canBeShort && !branchIsLong(Relocator.isShortEncoded(i), measuring, w,
                                i.target(), entersFunction);
                        Relocator.branch(w, i, measuring ? w.address() : target(i.target(), entersFunction), isShort);
                    } else {
                        Relocator.relocate(w, i);
                    }
                }
                Insn last = b.lastInstruction();
                boolean fallsThrough = last.flow().fallsThrough() && !endsInNoReturnCall(b);
                Block next = k + 1 < blocks.size() ? blocks.get(k + 1) : null;
                // falling into the entry block would run the entry probes: jump past them instead
                boolean nextHasEntryProbes = next != null && next.address() == f.entryAddress() && !f.entryProbes().isEmpty();
                if (fallsThrough && (next == null || next.address() != last.end() || nextHasEntryProbes)) {
                    if (branchIsLong(true, measuring, w, last.end(), false)) {
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
    private boolean branchIsLong(boolean startsShort, boolean measuring, CodeWriter w, long oldTarget,
            boolean entersFunction) {
        int i = branchIndex++;
        if (measuring && passes == 1) {
            if (i >= isLong.length) {
                isLong = Arrays.copyOf(isLong, Math.max(64, isLong.length * 2));
                shortAt = Arrays.copyOf(shortAt, isLong.length);
                shortTarget = Arrays.copyOf(shortTarget, isLong.length);
                shortEntersFunction = Arrays.copyOf(shortEntersFunction, isLong.length);
            }
            isLong[i] = !startsShort;
        }
        if (measuring) {
            shortAt[i] = w.address();
            shortTarget[i] = oldTarget;
            shortEntersFunction[i] = entersFunction;
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

    private long target(long oldTarget, boolean entersFunction) {
        Long entry = entersFunction ? newFunctionEntry.get(oldTarget) : null;
        return entry != null ? entry : target(oldTarget);
    }

    /**
     * @return true when branch i of function from enters a moved function through its entry probes:
     *     calls, and jumps from other functions; a function's jumps to its own entry block (loops) do not
     */
    private boolean entersFunction(Insn i, Function from) {
        long old = i.target();
        return movedEntries.contains(old) && (i.flow() == FlowKind.CALL || old != from.entryAddress());
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
