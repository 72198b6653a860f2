package org.ykrw.core.layout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Probe;
import org.ykrw.core.ir.ProbeContext;
import org.ykrw.core.ir.Program;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.encode.CodeWriter;
import org.ykrw.core.x86.encode.Relocator;

/**
 * Places the relocated functions in the new code segment and emits them, with the probes passes
 * inserted. Functions and blocks keep their original order unless a pass chose another
 * ({@link CodeOrder}); a block whose fall-through successor is not emitted right after it gets an
 * explicit jmp, or, when its conditional jump's target comes next, the jump's condition is inverted
 * to aim at the fall-through. Trampolines that probes ask for follow the last function.
 *
 * <p>Branch relaxation: jmp/jcc start in their short (rel8) form where the original was short, and
 * every added fall-through jmp starts short; a measuring pass places everything, each short branch
 * whose target is then out of reach becomes rel32, and passes repeat until none grows (a branch never
 * shrinks again, so this ends). What is emitted, in which order, is decided once ({@link LayoutPlan});
 * a measuring pass only walks that plan adding sizes (probes measure themselves with the same code
 * that writes them), and the writing pass follows the same plan.
 *
 * <p>Runtime symbols are placeholders while measuring (see {@link Probe}); {@link #emit(java.util.function.Function)}
 * writes once the caller knows where the runtime goes.
 */
public final class CodeLayout {
    private final List<Function> functions;
    private final long base;
    private final LayoutPlan plan;
    /** Filled by each measuring pass, by position in emission order. */
    private final long[] functionStart;
    private final long[] functionEnd;
    /** Per function: its cold part's [start, end) (hot/cold splitting; 0 when it has none). */
    private final long[] coldStart;
    private final long[] coldEnd;
    private final long[] functionEntry;
    private final long[] blockAddress;
    private final long[] insnAddress;
    private final long[] branchAddress;
    /** Per branch: true once it is emitted rel32 (from the start for those with one form only). */
    private final boolean[] isLong;
    private final Map<Function, Integer> position = new HashMap<>();
    private final List<Long> trampolineAddresses = new ArrayList<>();
    private final List<long[]> patchSites = new ArrayList<>();
    private int size;
    private int patchSiteCount;
    private int passes;

    /**
     * @param program the lifted program
     * @param functions the functions to relocate, in address order
     * @param base address of the new code segment
     */
    public CodeLayout(Program program, List<Function> functions, long base) {
        this(program, functions, base, null);
    }

    /**
     * @param program the lifted program
     * @param functions the functions to relocate, in address order
     * @param base address of the new code segment
     * @param order the order a pass chose for functions and blocks, or null: address order
     */
    public CodeLayout(Program program, List<Function> functions, long base, CodeOrder order) {
        this.functions = List.copyOf(functions);
        this.base = base;
        List<Function> emitted = order == null ? this.functions : emissionOrder(this.functions, order);
        this.plan = new LayoutPlan(emitted, order);
        int n = emitted.size();
        functionStart = new long[n];
        functionEnd = new long[n];
        coldStart = new long[n];
        coldEnd = new long[n];
        functionEntry = new long[n];
        blockAddress = new long[plan.blockCount];
        insnAddress = new long[plan.insnCount];
        branchAddress = new long[plan.branchCount];
        isLong = new boolean[plan.branchCount];
        for (int x = 0; x < plan.branchCount; x++) {
            isLong[x] = !plan.startsShort[x];
        }
        for (int i = 0; i < n; i++) {
            position.put(emitted.get(i), i);
        }
        place();
    }

    /** @return the output address of the block that started at {@code oldAddress}, or null when not relocated */
    public Long newAddressOfBlock(long oldAddress) {
        int b = plan.blockIndex.get(oldAddress);
        return b == AddressIndex.ABSENT ? null : blockAddress[b];
    }

    /**
     * @param oldEntry a function's input entry address
     * @return where calls to it go now (its entry probes, then its entry block), or null when it did not move
     */
    public Long newAddressOfFunction(long oldEntry) {
        int f = plan.entryIndex.get(oldEntry);
        return f == AddressIndex.ABSENT ? null : functionEntry[f];
    }

    /** @return old instruction address -> its new address (for unwind-info and symbol remapping) */
    public InstructionMap instructionMap() {
        return new InstructionMap(plan, insnAddress, position);
    }

    /** @return the code size */
    public int size() {
        return size;
    }

    private void place() {
        do {
            passes++;
            measure();
        } while (growBranchesOutOfReach());
    }

    /** One measuring pass: every address of the plan, the trampolines' and the code size. */
    private void measure() {
        CodeWriter m = CodeWriter.measuring(base);
        Emission measuring = new Emission(true, null);
        int[] ops = plan.ops;
        for (int k = 0; k < plan.opCount; k++) {
            int x = ops[k] & LayoutPlan.INDEX_MASK;
            switch (ops[k] >>> LayoutPlan.KIND_SHIFT) {
                case LayoutPlan.ALIGN -> {
                    m.skip(padding(m.address()));
                    functionStart[x] = m.address();
                }
                case LayoutPlan.END -> functionEnd[x] = m.address();
                case LayoutPlan.COLD -> coldStart[x] = m.address();
                case LayoutPlan.COLD_END -> coldEnd[x] = m.address();
                case LayoutPlan.ENTRY -> functionEntry[x] = m.address();
                case LayoutPlan.BLOCK -> blockAddress[x] = m.address();
                case LayoutPlan.MARK -> insnAddress[x] = m.address();
                case LayoutPlan.INSN -> m.skip(plan.insnLength[x]);
                case LayoutPlan.BRANCH -> {
                    branchAddress[x] = m.address();
                    m.skip(isLong[x] ? plan.longSize[x] : plan.shortSize[x]);
                }
                default -> plan.probes[x].emit(m, measuring);
            }
        }
        trampolineAddresses.clear();
        for (Consumer<CodeWriter> body : measuring.trampolines) {
            trampolineAddresses.add(m.address());
            body.accept(m);
        }
        size = m.size();
        patchSiteCount = measuring.sites.size();
    }

    /** @return true when some short branch could not reach its target from where the last pass put it (it is long now) */
    private boolean growBranchesOutOfReach() {
        boolean grown = false;
        for (int x = 0; x < plan.branchCount; x++) {
            if (!isLong[x]) {
                long disp = target(x) - (branchAddress[x] + 2);
                if (disp < Byte.MIN_VALUE || disp > Byte.MAX_VALUE) {
                    isLong[x] = true;
                    grown = true;
                }
            }
        }
        return grown;
    }

    private static int padding(long address) {
        return (int) ((LayoutPlan.FUNCTION_ALIGN - (address % LayoutPlan.FUNCTION_ALIGN)) % LayoutPlan.FUNCTION_ALIGN);
    }

    /** @return where branch {@code x} goes now: a moved function's entry, a moved block, or its old target */
    private long target(int x) {
        int f = plan.targetFunction[x];
        if (f != AddressIndex.ABSENT) {
            return functionEntry[f];
        }
        int b = plan.targetBlock[x];
        return b != AddressIndex.ABSENT ? blockAddress[b] : plan.oldTarget[x];
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
        return emit(symbols, java.util.Set.of());
    }

    /**
     * @param symbols output addresses of runtime symbols (see {@link ProbeContext#symbol})
     * @param pointedEntries old entries of moved functions whose address a rip-relative {@code lea}
     *     takes as the new entry instead (every other operand keeps its old target)
     * @return the bytes of the new code segment
     */
    public byte[] emit(java.util.function.Function<String, Long> symbols, java.util.Set<Long> pointedEntries) {
        CodeWriter w = CodeWriter.at(base, size);
        Emission emission = new Emission(false, symbols);
        int[] ops = plan.ops;
        for (int k = 0; k < plan.opCount; k++) {
            int x = ops[k] & LayoutPlan.INDEX_MASK;
            switch (ops[k] >>> LayoutPlan.KIND_SHIFT) {
                case LayoutPlan.ALIGN -> w.nop(padding(w.address()));
                case LayoutPlan.INSN -> {
                    Insn i = plan.insns[x];
                    int entry = pointedEntries.isEmpty() || !Relocator.isRipLea(i) || !pointedEntries.contains(i.ripTarget())
                            ? AddressIndex.ABSENT : plan.entryIndex.get(i.ripTarget());
                    if (entry == AddressIndex.ABSENT) {
                        Relocator.relocate(w, i);
                    } else {
                        Relocator.relocate(w, i, functionEntry[entry]);
                    }
                }
                case LayoutPlan.BRANCH -> branch(w, x);
                case LayoutPlan.PROBE -> plan.probes[x].emit(w, emission);
                default -> { }   // addresses, known since measuring
            }
        }
        for (Consumer<CodeWriter> body : emission.trampolines) {
            body.accept(w);
        }
        if (w.size() != size) {
            throw new IllegalStateException("layout and emission disagree: " + size + " vs " + w.size());
        }
        patchSites.clear();
        patchSites.addAll(emission.sites);
        return w.toByteArrayShared();
    }

    private void branch(CodeWriter w, int x) {
        Insn i = plan.branchInsn[x];
        if (plan.inverted[x]) {
            Relocator.branchInverted(w, i, target(x), !isLong[x]);
        } else if (i != null) {
            Relocator.branch(w, i, target(x), !isLong[x]);
        } else if (isLong[x]) {
            w.jmp(target(x));
        } else {
            w.jmpShort(target(x));
        }
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
            if (measuring) {
                return base;   // the placeholder, without boxing it for every probe measured
            }
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

    /**
     * @return the new [start, end) of a relocated function's code, followed by its cold part's
     *     [start, end) when it was split (four values then: hot start, hot end, cold start, cold end)
     */
    public long[] newRange(Function f) {
        Integer i = position.get(f);
        if (i == null) {
            return null;
        }
        return coldStart[i] != 0 ? new long[] {functionStart[i], functionEnd[i], coldStart[i], coldEnd[i]}
                : new long[] {functionStart[i], functionEnd[i]};
    }

    /** @return the functions laid out */
    public List<Function> functions() {
        return functions;
    }

    /** @return the order's functions that move, then the other moved functions in address order */
    private static List<Function> emissionOrder(List<Function> moved, CodeOrder order) {
        java.util.Set<Function> movedSet = new java.util.HashSet<>(moved);
        java.util.LinkedHashSet<Function> out = new java.util.LinkedHashSet<>();
        for (Function f : order.functions()) {
            if (movedSet.contains(f)) {
                out.add(f);
            }
        }
        out.addAll(moved);
        return new ArrayList<>(out);
    }

    static List<Function> inAddressOrder(List<Function> fs) {
        List<Function> out = new ArrayList<>(fs);
        out.sort((a, b) -> Long.compareUnsigned(a.entryAddress(), b.entryAddress()));
        return out;
    }
}
