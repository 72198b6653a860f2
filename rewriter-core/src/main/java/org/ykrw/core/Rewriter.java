package org.ykrw.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Segment;
import org.ykrw.core.emit.ElfImageBuilder;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.JumpTable;
import org.ykrw.core.ir.Program;
import org.ykrw.core.ir.ProbeContext;
import org.ykrw.core.pass.EmbeddedRuntime;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.pass.PassContext;
import org.ykrw.core.layout.CodeLayout;
import org.ykrw.core.layout.FunctionPlacement;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.encode.CodeWriter;

/**
 * The driver: read, lift, passes, layout, emit. Relocatable functions move to a new code
 * segment; their old entries jump there, so pointers the analysis never saw still work, and the old
 * code stays intact otherwise (anything reaching it runs correct, uninstrumented code and comes back at
 * the next function entry). Relative jump tables, and absolute ones in position-dependent files, are
 * retargeted in place.
 *
 * <p>Not yet: unwind information for the moved code (.eh_frame / LSDA), so C++ exceptions and
 * backtraces through relocated functions do not work; absolute jump tables in PIE (their slots are
 * set by relocations) keep sending control to the old code.
 */
public final class Rewriter {
    private Rewriter() {
    }

    private static final long PAGE = 0x1000;

    /** What a rewrite did. */
    public record Result(byte[] output, List<FunctionPlacement> placements, int tablesRetargeted, int tablesKept,
            List<String> passNotes, Map<String, byte[]> artifacts) {
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
        Program program = CfgBuilder.lift(elf, options);
        List<FunctionPlacement> placements = new ArrayList<>();
        List<Function> moved = new ArrayList<>();
        for (Function f : program.functions()) {
            String why = isInPltSection(elf, f.entryAddress()) ? "PLT code" : reasonToStay(program, f);
            placements.add(new FunctionPlacement(f, why));
            if (why == null) {
                moved.add(f);
            }
        }
        PassContext context = new PassContext(program, new HashSet<>(moved), elf.isExecutable() || elf.isPie(),
                elf.name(), sha256(elf.data()));
        for (Pass p : passes) {
            p.run(context);
        }
        ElfImageBuilder image = new ElfImageBuilder(elf);
        long codeAddress = image.nextSegmentAddress();
        CodeLayout layout = new CodeLayout(program, moved, codeAddress);
        EmbeddedRuntime runtime = context.runtime();
        RuntimeAddresses placed = runtime == null ? null : RuntimeAddresses.after(runtime,
                alignUp(codeAddress + Math.max(layout.size(), 1), PAGE), layout.patchSiteCount());
        byte[] code = layout.emit(name -> placed == null ? null : placed.symbol(runtime, name));
        image.addSegment(".ykrw.text", Segment.PF_R | Segment.PF_X, code, code.length);
        if (runtime != null) {
            addRuntime(image, runtime, placed, layout, codeAddress, code.length, programEntryAfterRewrite(elf, layout));
        }
        context.unloadedSections().forEach(image::addUnloadedSection);

        for (Function f : moved) {
            long at = trampolineAddress(f);
            image.patch(at, CodeWriter.at(at).jmp(layout.newAddressOfBlock(f.entryAddress())).toByteArray());
        }
        int retargeted = 0;
        int kept = 0;
        for (JumpTable t : program.jumpTables()) {
            if (retarget(elf, image, layout, t)) {
                retargeted++;
            } else {
                kept++;
            }
        }
        if (runtime == null) {
            image.setEntry(programEntryAfterRewrite(elf, layout));
        }
        return new Result(image.build(), placements, retargeted, kept, context.notes(), context.artifacts());
    }

    private static long programEntryAfterRewrite(ElfFile elf, CodeLayout layout) {
        Long moved = layout.newAddressOfBlock(elf.entry());
        return moved != null ? moved : elf.entry();
    }

    /** Where the runtime's pieces go: code, then data (with the patch-site table), then the run-file region. */
    private record RuntimeAddresses(long code, long data, long sites, long dataSize, long region) {
        static RuntimeAddresses after(EmbeddedRuntime runtime, long code, int siteCount) {
            long data = code + runtime.dataOffset();
            long sites = data + alignUp(runtime.data().length, 8);
            long dataSize = sites - data + 16L * siteCount;
            return new RuntimeAddresses(code, data, sites, dataSize, alignUp(data + dataSize, PAGE));
        }

        long symbol(EmbeddedRuntime runtime, String name) {
            return name.equals(ProbeContext.RUN_FILE_REGION) ? region : code + runtime.offsetOf(name);
        }
    }

    /**
     * Adds the runtime's three segments at the addresses {@link RuntimeAddresses} chose (the image
     * builder places segments one after the other, page-aligned, so giving each its full size in
     * memory reproduces them), fills its configuration, and makes its entry the program's.
     */
    private static void addRuntime(ElfImageBuilder image, EmbeddedRuntime runtime, RuntimeAddresses at,
            CodeLayout layout, long codeAddress, int codeSize, long programEntry) {
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
        long region = runtime.regionSize() > 0 ? at.region() : 0;
        runtime.configurer().configure(new EmbeddedRuntime.RuntimePlacement(at.code(), at.data(), region, at.sites(),
                sites.size(), codeAddress, codeAddress + codeSize, programEntry), data);
        long placedData = image.addSegment(".ykrw.rt.data", Segment.PF_R | Segment.PF_W, data.array(), at.dataSize());
        long placedRegion = region == 0 ? region
                : image.addSegment(".ykrw.region", Segment.PF_R | Segment.PF_W, runtime.regionHeader(), runtime.regionSize());
        if (placedCode != at.code() || placedData != at.data() || placedRegion != region) {
            throw new IllegalStateException("runtime placed elsewhere than its code was linked for");
        }
        if (runtime.entrySymbol() != null) {
            image.setEntry(at.symbol(runtime, runtime.entrySymbol()));
        }
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

    private static boolean retarget(ElfFile elf, ElfImageBuilder image, CodeLayout layout, JumpTable t) {
        boolean pieAbsolute = t.kind() == JumpTable.Kind.ABSOLUTE && !elf.isExecutable();
        if (pieAbsolute) {
            return false;  // slots are written by R_X86_64_RELATIVE at load time: needs relocation rewriting
        }
        boolean any = false;
        for (int i = 0; i < t.entryCount(); i++) {
            Long target = layout.newAddressOfBlock(t.targets().get(i));
            if (target == null) {
                continue;
            }
            long slot = t.tableAddress() + (long) i * t.entrySize();
            if (t.kind() == JumpTable.Kind.RELATIVE) {
                long rel = target - t.base();
                if (rel != (int) rel) {
                    continue;
                }
                image.patch(slot, new byte[] {(byte) rel, (byte) (rel >> 8), (byte) (rel >> 16), (byte) (rel >> 24)});
            } else {
                byte[] v = new byte[8];
                for (int k = 0; k < 8; k++) {
                    v[k] = (byte) (target >>> (8 * k));
                }
                image.patch(slot, v);
            }
            any = true;
        }
        return any;
    }

    /**
     * The lazy-binding stub at the head of .plt has no symbol, so it is lifted as an ordinary function;
     * it stays where the GOT sends unresolved calls, uninstrumented (a probe there would run inside the
     * dynamic linker's resolution, and a tracer's first call into libc would trace itself).
     */
    private static boolean isInPltSection(ElfFile elf, long address) {
        return elf.sections().stream().anyMatch(s -> (s.name().startsWith(".plt") || s.name().equals(".iplt"))
                && s.containsAddress(address));
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
        long at = trampolineAddress(f);
        Block entry = f.entryBlock();
        if (entry.endAddress() < at + 5) {
            return "entry block shorter than the jump to the new code";
        }
        for (long x = f.entryAddress() + 1; x < at + 5; x++) {
            if (program.blockAt(x) != null || program.functionAt(x) != null) {
                return "a block starts inside the bytes the entry jump overwrites";
            }
        }
        for (long x = f.entryAddress(); x < at + 5; x++) {
            Block owner = program.blockContaining(x);
            if (owner != null && owner.function() != f) {
                return "the entry jump would overwrite another function's code";
            }
        }
        return null;
    }

    /** @return where the entry jump goes: after endbr64 (CET wants it first at indirect-branch targets) */
    static long trampolineAddress(Function f) {
        Insn first = f.entryBlock().instructions().get(0);
        return first.address() == f.entryAddress() && first.isEndbr64() ? f.entryAddress() + 4 : f.entryAddress();
    }
}
