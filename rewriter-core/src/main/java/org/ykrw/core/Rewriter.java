package org.ykrw.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.diag.PhaseTimer;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Section;
import org.ykrw.core.elf.Segment;
import org.ykrw.core.emit.CetProperties;
import org.ykrw.core.emit.DynamicEditor;
import org.ykrw.core.emit.ElfImageBuilder;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.JumpTable;
import org.ykrw.core.ir.Program;
import org.ykrw.core.ir.ProbeContext;
import org.ykrw.core.pass.EmbeddedRuntime;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.pass.PassContext;
import org.ykrw.core.layout.AddressMap;
import org.ykrw.core.layout.CodeLayout;
import org.ykrw.core.layout.FunctionPlacement;
import org.ykrw.core.layout.StrictFill;
import org.ykrw.core.meta.RelativeRelocations;
import org.ykrw.core.meta.SymbolTableRewriter;
import org.ykrw.core.report.BlockLoss;
import org.ykrw.core.x86.Insn;

/**
 * The driver: read, lift, passes, layout, emit. Relocatable functions move to a new code
 * segment; their old entries jump there, so pointers the analysis never saw still work, and the old
 * code stays intact otherwise (anything reaching it runs correct, uninstrumented code and comes back at
 * the next function entry). Resolved jump tables are retargeted in place (absolute ones in PIE through
 * their RELATIVE relocations). Unwind information and .symtab describe the moved code.
 */
public final class Rewriter {
    private Rewriter() {
    }

    private static final long PAGE = 0x1000;

    /**
     * What a rewrite did.
     *
     * @param output the output file
     * @param placements where each function went and why
     * @param tablesRetargeted jump tables now reaching the new code
     * @param tablesKept jump tables still reaching the old code
     * @param unwind what was written for unwinding, in one line
     * @param instructionMap old instruction address -> new address of the code emitted for it (a read-only view)
     * @param layoutPasses measuring passes branch relaxation took
     * @param passNotes what the passes report, a line each
     * @param artifacts what the passes hand to the caller, by name (e.g. the block map's JSON)
     * @param strict what strict mode filled and kept, or null when not strict
     * @param mayLoseBlocks functions holding an unresolved indirect jump that may be a table
     */
    public record Result(byte[] output, List<FunctionPlacement> placements, int tablesRetargeted, int tablesKept,
            String unwind, Map<Long, Long> instructionMap, int layoutPasses, List<String> passNotes,
            Map<String, byte[]> artifacts, StrictFill.Plan strict, List<BlockLoss.Entry> mayLoseBlocks) {
        /** @return number of relocated functions */
        public long relocated() {
            return placements.stream().filter(FunctionPlacement::relocated).count();
        }
    }

    /**
     * @param elf the input
     * @param options lifting options
     * @return the rewritten file and a report
     */
    public static Result rewrite(ElfFile elf, LiftOptions options) {
        return rewrite(elf, options, List.of());
    }

    /**
     * The steps: 1. lift; 2. choose the functions that move; 3. run the passes over the program;
     * 4. measure the new code (probes included); 5. place the runtime a pass asked for after it;
     * 6. emit the code and the runtime; 7. jumps at old entries, jump tables, entry point.
     *
     * @param elf the input
     * @param options lifting options
     * @param passes passes to run, in order
     * @return the rewritten file and a report
     */
    public static Result rewrite(ElfFile elf, LiftOptions options, List<Pass> passes) {
        return rewrite(elf, options, passes, RewriteOptions.defaults());
    }

    /**
     * As {@link #rewrite(ElfFile, LiftOptions, List)}, with rewrite options (strict mode).
     *
     * @param elf the input
     * @param options lifting options
     * @param passes passes to run, in order
     * @param rewriteOptions what else to do
     * @return the rewritten file and a report
     */
    public static Result rewrite(ElfFile elf, LiftOptions options, List<Pass> passes, RewriteOptions rewriteOptions) {
        RewriteChecks.input(elf, rewriteOptions);
        // passes name the input by its hash: worked out on the other core while lifting runs
        CompletableFuture<byte[]> digest = passes.isEmpty() ? null
                : CompletableFuture.supplyAsync(() -> sha256(elf.data()));
        // the input's unwind information is read on the other core meanwhile too
        UnwindStep unwindStep = new UnwindStep(elf);
        Program program = CfgBuilder.lift(elf, options);  // marks its own phases
        List<FunctionPlacement> placements = new ArrayList<>();
        List<Function> moved = new ArrayList<>();
        // where and how each moved function is entered from its old address (functions in address order)
        EntryJumps entryJumps = new EntryJumps(elf, program);
        List<Section> pltSections = pltSections(elf);
        String[] why = new String[program.functions().size()];
        for (int i = 0; i < why.length; i++) {
            Function f = program.functions().get(i);
            why[i] = isIn(pltSections, f.entryAddress()) ? "PLT code" : reasonToStay(program, f);
            if (why[i] == null) {
                why[i] = entryJumps.plan(f, false);
            }
        }
        for (int i = 0; i < why.length; i++) {
            if (EntryJumps.NO_SLOT.equals(why[i])) {
                why[i] = entryJumps.plan(program.functions().get(i), true);  // a slot in moved functions' old code
            }
        }
        for (int i = 0; i < why.length; i++) {
            if (EntryJumps.SHORTER_THAN_SHORT_JUMP.equals(why[i])) {
                why[i] = entryJumps.planPunned(program.functions().get(i));  // one byte: E9Patch's punning
            }
        }
        for (int i = 0; i < why.length; i++) {
            Function f = program.functions().get(i);
            placements.add(new FunctionPlacement(f, why[i]));
            if (why[i] == null) {
                moved.add(f);
            }
        }
        PassContext context = new PassContext(program, new HashSet<>(moved), DynamicLinking.of(elf),
                java.nio.file.Path.of(elf.name()).getFileName().toString(),
                digest != null ? digest::join : () -> sha256(elf.data()));
        context.setDynamicEditCheck(() -> DynamicLinking.isEditable(elf));
        PhaseTimer.mark("choose moving functions");
        for (Pass p : passes) {
            p.run(context);
        }
        RewriteChecks.probes(program, context::isRelocated, rewriteOptions);
        PhaseTimer.mark("passes");
        ElfImageBuilder image = new ElfImageBuilder(elf);
        long codeAddress = image.nextSegmentAddress();
        CodeLayout layout = new CodeLayout(program, moved, codeAddress);
        PhaseTimer.mark("layout (" + layout.passes() + " passes)");
        Map<Function, long[]> ranges = new HashMap<>();
        for (Function f : layout.functions()) {
            ranges.put(f, layout.newRange(f));
        }
        unwindStep.start(layout, ranges);
        EmbeddedRuntime runtime = context.runtime();
        // strict mode: the runtime's trap handler names the function whose old code ran
        byte[] trapTable = runtime != null && rewriteOptions.strict() ? StrictFill.trapTable(moved) : new byte[0];
        RuntimeAddresses placed = runtime == null ? null : RuntimeAddresses.after(runtime,
                alignUp(codeAddress + Math.max(layout.size(), 1), PAGE), layout.patchSiteCount(), trapTable.length);
        byte[] code = layout.emit(name -> placed == null ? null : placed.symbol(runtime, name));
        image.adoptSegment(".ykrw.text", Segment.PF_R | Segment.PF_X, code, code.length);
        PhaseTimer.mark("emit code");
        // Before the dynamic tables are edited: that copies .rela.dyn, whose addends retarget
        // absolute jump tables in PIE.
        int retargeted = 0;
        int kept = 0;
        RelativeRelocations relative = elf.isExecutable() ? null : RelativeRelocations.of(elf);
        List<Long> keptTargets = new ArrayList<>();
        for (JumpTable t : program.jumpTables()) {
            if (retarget(elf, image, layout, t, relative, keptTargets)) {
                retargeted++;
            } else {
                kept++;
            }
        }
        DynamicEditor dynamic = DynamicLinking.editor(elf, context, runtime);
        boolean fromInit = DynamicLinking.startsFromInit(context, runtime);
        ByteBuffer runtimeData = runtime == null ? null : addRuntime(image, runtime, placed, layout, codeAddress,
                code.length, trapTable, moved.size(), fromInit ? dynamic.oldInit() : programEntryAfterRewrite(elf, layout),
                !fromInit);
        if (dynamic != null) {
            DynamicLinking.apply(dynamic, image, context, runtime, name -> placed.symbol(runtime, name));
            protectAfterStart(runtime, placed, runtimeData, dynamic.placedTables());
        }
        context.unloadedSections().forEach(image::addUnloadedSection);
        PhaseTimer.mark("runtime, dynamic linking");
        moveSymbols(elf, image, layout, ranges);
        PhaseTimer.mark("symbols");
        StrictFill.Plan strict = null;
        if (rewriteOptions.strict()) {
            strict = StrictFill.plan(program, moved, entryBytes(moved, entryJumps), layout, keptTargets);
            fill(elf, image, strict);
            PhaseTimer.mark("strict fill");
            // so that `ykrw where` maps an address of the new code back to the input's
            image.addUnloadedSection(AddressMap.SECTION, AddressMap.encode(layout.instructionMap(), layout.functions()));
            PhaseTimer.mark("address map");
        }
        for (Function f : moved) {
            entryJumps.write(image, f, layout.newAddressOfFunction(f.entryAddress()));
        }
        if (runtime == null || fromInit) {
            image.setEntry(programEntryAfterRewrite(elf, layout));
        }
        PhaseTimer.mark("entry jumps, jump tables");
        String cet = moved.isEmpty() ? null : CetProperties.dropClaims(elf, image);
        if (cet != null) {
            context.note(cet);
        }
        // last: it waits for the unwind work started after the layout, which ran meanwhile
        String unwind = unwindStep.write(image);
        PhaseTimer.mark("unwind information (rest)");
        byte[] output = image.build();
        PhaseTimer.mark("build image");
        return new Result(output, placements, retargeted, kept, unwind, layout.instructionMap().asMap(),
                layout.passes(), context.notes(), context.artifacts(), strict,
                BlockLoss.of(program, new HashSet<>(moved)));
    }

    /**
     * Writes int3 over the planned ranges of old code, as far as each lies in the file-backed part of an
     * executable segment (a damaged input's FDE may claim a range past it: that part is not code).
     */
    private static void fill(ElfFile elf, ElfImageBuilder image, StrictFill.Plan plan) {
        for (long[] r : plan.fill()) {
            Segment s = elf.loadSegmentContaining(r[0]);
            if (s == null || !s.isExecutable() || r[0] - s.vaddr() >= s.filesz()) {
                continue;
            }
            long end = Math.min(r[1], s.vaddr() + s.filesz());
            byte[] traps = new byte[(int) (end - r[0])];
            java.util.Arrays.fill(traps, (byte) 0xCC);
            image.patch(r[0], traps);
        }
    }

    /**
     * @return the old-code bytes the entry jumps use, which a strict fill must keep: from each moved
     *     function's entry (its endbr64 included) to the end of its jump, and the slot a short jump goes
     *     through (a slot may lie in another moved function's old code)
     */
    private static List<long[]> entryBytes(List<Function> moved, EntryJumps entryJumps) {
        List<long[]> out = new ArrayList<>();
        for (Function f : moved) {
            List<long[]> ranges = entryJumps.keptRanges(f);
            for (int i = 0; i < ranges.size(); i++) {
                long[] r = ranges.get(i);
                out.add(i == 0 ? new long[] {Math.min(f.entryAddress(), r[0]), r[1]} : r);
            }
        }
        return out;
    }

    private static long programEntryAfterRewrite(ElfFile elf, CodeLayout layout) {
        Long moved = layout.newAddressOfFunction(elf.entry());
        return moved != null ? moved : elf.entry();
    }

    /**
     * Where the runtime's pieces go: code, then data (with the patch-site table and strict mode's trap
     * table), then the run-file region.
     */
    private record RuntimeAddresses(long code, long data, long sites, long trapTable, long dataSize, long region) {
        static RuntimeAddresses after(EmbeddedRuntime runtime, long code, int siteCount, int trapTableSize) {
            long data = code + runtime.dataOffset();
            long sites = data + alignUp(runtime.data().length, 8);
            long trapTable = sites + 16L * siteCount;
            long dataSize = trapTable - data + trapTableSize;
            return new RuntimeAddresses(code, data, sites, trapTable, dataSize, alignUp(data + dataSize, PAGE));
        }

        long symbol(EmbeddedRuntime runtime, String name) {
            return name.equals(ProbeContext.RUN_FILE_REGION) ? region : code + runtime.offsetOf(name);
        }
    }

    /**
     * Tells the runtime which range to make read-only once ld.so has relocated the program: the moved
     * dynamic tables, which the input kept under PT_GNU_RELRO (an object has one RELRO range, and the
     * new segment lies far from the old one).
     */
    private static void protectAfterStart(EmbeddedRuntime runtime, RuntimeAddresses at, ByteBuffer runtimeData,
            long[] range) {
        if (runtime == null || range == null || !runtime.symbols().containsKey(EmbeddedRuntime.READ_ONLY_AFTER_START)) {
            return;
        }
        int slot = (int) (at.symbol(runtime, EmbeddedRuntime.READ_ONLY_AFTER_START) - at.data());
        runtimeData.putLong(slot, range[0]).putLong(slot + 8, range[1]);
    }

    /**
     * Adds the runtime's three segments at the addresses {@link RuntimeAddresses} chose (the image
     * builder places segments one after the other, page-aligned, so giving each its full size in
     * memory reproduces them), fills its configuration, and makes its entry the program's.
     */
    private static ByteBuffer addRuntime(ElfImageBuilder image, EmbeddedRuntime runtime, RuntimeAddresses at,
            CodeLayout layout, long codeAddress, int codeSize, byte[] trapTable, int movedCount, long programEntry,
            boolean startAtEntry) {
        if (runtime.code().length > runtime.dataOffset()) {
            throw new IllegalStateException("runtime code overlaps its data");
        }
        long placedCode = image.addSegment(".ykrw.rt.text", Segment.PF_R | Segment.PF_X, runtime.code(),
                runtime.dataOffset());
        List<long[]> sites = layout.patchSites();
        ByteBuffer data = ByteBuffer.allocate((int) at.dataSize()).order(ByteOrder.LITTLE_ENDIAN);
        data.put(runtime.data());
        data.position((int) (at.sites() - at.data()));
        for (long[] site : sites) {
            data.putLong(site[0]).putLong(site[1]);
        }
        data.put(trapTable);
        long region = runtime.regionSize() > 0 ? at.region() : 0;
        runtime.configurer().configure(new EmbeddedRuntime.RuntimePlacement(at.code(), at.data(), region, at.sites(),
                sites.size(), codeAddress, codeAddress + codeSize, programEntry,
                trapTable.length == 0 ? 0 : at.trapTable(), trapTable.length == 0 ? 0 : movedCount), data);
        // adopted, not copied: protectAfterStart fills a field once the dynamic tables are placed
        long placedData = image.adoptSegment(".ykrw.rt.data", Segment.PF_R | Segment.PF_W, data.array(), at.dataSize());
        long placedRegion = region == 0 ? region
                : image.addSegment(".ykrw.region", Segment.PF_R | Segment.PF_W, runtime.regionHeader(), runtime.regionSize());
        if (placedCode != at.code() || placedData != at.data() || placedRegion != region) {
            throw new IllegalStateException("runtime placed elsewhere than its code was linked for");
        }
        if (startAtEntry && runtime.entrySymbol() != null) {
            image.setEntry(at.symbol(runtime, runtime.entrySymbol()));
        }
        return data;
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }

    private static long alignUp(long v, long a) {
        return (v + a - 1) & -a;
    }

    /** Points the .symtab FUNC symbols of relocated functions at their new code. */
    private static void moveSymbols(ElfFile elf, ElfImageBuilder image, CodeLayout layout, Map<Function, long[]> ranges) {
        Map<Long, Long> entries = new HashMap<>();
        for (Function f : layout.functions()) {
            entries.put(f.entryAddress(), layout.newAddressOfFunction(f.entryAddress()));
        }
        SymbolTableRewriter.patches(elf, layout.functions(), entries, ranges, image.sectionIndex(".ykrw.text"))
                .forEach(image::patchFile);
    }

    /**
     * Points a resolved jump table's entries at the new code, in place: relative entries directly,
     * absolute ones directly in position-dependent files and through their R_X86_64_RELATIVE
     * relocation in PIE (the slot's value is the relocation's addend).
     *
     * @param relative the file's RELATIVE relocations (null for position-dependent files)
     * @param keptTargets receives the old targets of slots of moved code left reaching the old code
     * @return true when some entry was retargeted
     */
    private static boolean retarget(ElfFile elf, ElfImageBuilder image, CodeLayout layout, JumpTable t,
            RelativeRelocations relative, List<Long> keptTargets) {
        boolean any = false;
        for (int i = 0; i < t.entryCount(); i++) {
            Long target = layout.newAddressOfBlock(t.targets().get(i));
            if (target == null) {
                continue;
            }
            if (!retargetSlot(image, t, i, target, relative)) {
                keptTargets.add(t.targets().get(i));
                continue;
            }
            any = true;
        }
        return any;
    }

    /** @return false when slot {@code i} cannot be pointed at {@code target} and keeps reaching the old code */
    private static boolean retargetSlot(ElfImageBuilder image, JumpTable t, int i, long target,
            RelativeRelocations relative) {
        long slot = t.tableAddress() + (long) i * t.entrySize();
        if (t.kind() == JumpTable.Kind.RELATIVE) {
            long rel = target - t.base();
            if (rel != (int) rel) {
                return false;
            }
            image.patch(slot, new byte[] {(byte) rel, (byte) (rel >> 8), (byte) (rel >> 16), (byte) (rel >> 24)});
        } else if (relative != null) {
            RelativeRelocations.FilePatch p = relative.set(slot, target);
            if (p == null) {
                return false;  // no RELATIVE relocation sets this slot: leave it reaching the old code
            }
            image.patchFile(p.fileOffset(), p.bytes());
        } else {
            byte[] v = new byte[8];
            for (int k = 0; k < 8; k++) {
                v[k] = (byte) (target >>> (8 * k));
            }
            image.patch(slot, v);
        }
        return true;
    }

    /**
     * The lazy-binding stub at the head of .plt has no symbol, so it is lifted as an ordinary function;
     * it stays where the GOT sends unresolved calls, uninstrumented (a probe there would run inside the
     * dynamic linker's resolution, and a tracer's first call into libc would trace itself).
     */
    /**
     * @param elf the input
     * @param program its lifted program
     * @return for each function, in address order, whether {@code rewrite} moves it and if not why
     *     (what {@code rewrite --report} and {@code ykrw functions} list)
     */
    public static List<FunctionPlacement> placements(ElfFile elf, Program program) {
        List<Section> plt = pltSections(elf);
        return program.functions().stream()
                .map(f -> new FunctionPlacement(f, isIn(plt, f.entryAddress()) ? "PLT code" : reasonToStay(program, f)))
                .toList();
    }

    private static List<Section> pltSections(ElfFile elf) {
        return elf.sections().stream().filter(s -> s.name().startsWith(".plt") || s.name().equals(".iplt")).toList();
    }

    private static boolean isIn(List<Section> sections, long address) {
        for (Section s : sections) {
            if (s.containsAddress(address)) {
                return true;
            }
        }
        return false;
    }

    /** @return null when the function can move, else the reason it stays */
    static String reasonToStay(Program program, Function f) {
        if (f.isPlt()) {
            return "PLT stub";
        }
        if (f.skipReason() != null) {
            return f.skipReason().name().toLowerCase().replace('_', ' ');
        }
        if (f.blocks().isEmpty() || program.blockAt(f.entryAddress()) == null
                || program.blockAt(f.entryAddress()).function() != f) {
            return "no entry block";
        }
        Block owner = program.blockContaining(f.entryAddress());
        if (owner != null && owner.function() != f) {
            return "the entry jump would overwrite another function's code";
        }
        return null;  // whether and how its entry can be written: EntryJumps
    }

    /** @return where the entry jump goes: after endbr64 (CET wants it first at indirect-branch targets) */
    static long trampolineAddress(Function f) {
        Insn first = f.entryBlock().instructions().get(0);
        return first.address() == f.entryAddress() && first.isEndbr64() ? f.entryAddress() + 4 : f.entryAddress();
    }
}
