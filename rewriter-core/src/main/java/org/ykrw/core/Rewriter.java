package org.ykrw.core;

import java.util.ArrayList;
import java.util.HashMap;
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
import org.ykrw.core.layout.CodeLayout;
import org.ykrw.core.layout.FunctionPlacement;
import org.ykrw.core.meta.RelativeRelocations;
import org.ykrw.core.meta.SymbolTableRewriter;
import org.ykrw.core.meta.UnwindRewriteException;
import org.ykrw.core.meta.UnwindRewriter;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.encode.CodeWriter;

/**
 * The driver: read, lift, (passes: none yet), layout, emit. Relocatable functions move to a new code
 * segment; their old entries jump there, so pointers the analysis never saw still work, and the old
 * code stays intact otherwise (anything reaching it runs correct, uninstrumented code and comes back at
 * the next function entry). Resolved jump tables are retargeted in place (absolute ones in PIE through
 * their RELATIVE relocations). Unwind information and .symtab describe the moved code.
 */
public final class Rewriter {
    private Rewriter() {
    }

    /**
     * What a rewrite did.
     *
     * @param output the output file
     * @param placements where each function went and why
     * @param tablesRetargeted jump tables now reaching the new code
     * @param tablesKept jump tables still reaching the old code
     * @param unwind what was written for unwinding, in one line
     * @param instructionMap old instruction address -> new address of the code emitted for it
     * @param layoutPasses measuring passes branch relaxation took
     */
    public record Result(byte[] output, List<FunctionPlacement> placements, int tablesRetargeted, int tablesKept,
            String unwind, Map<Long, Long> instructionMap, int layoutPasses) {
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
        Program program = CfgBuilder.lift(elf, options);
        List<FunctionPlacement> placements = new ArrayList<>();
        List<Function> moved = new ArrayList<>();
        for (Function f : program.functions()) {
            String why = reasonToStay(program, f);
            placements.add(new FunctionPlacement(f, why));
            if (why == null) {
                moved.add(f);
            }
        }
        ElfImageBuilder image = new ElfImageBuilder(elf);
        CodeLayout layout = new CodeLayout(program, moved, image.nextSegmentAddress());
        byte[] code = layout.emit();
        image.addSegment(".ykrw.text", Segment.PF_R | Segment.PF_X, code, code.length);
        String unwind = writeUnwindInfo(elf, image, layout);
        moveSymbols(elf, image, layout);

        for (Function f : moved) {
            long at = trampolineAddress(f);
            image.patch(at, CodeWriter.at(at).jmp(layout.newAddressOfBlock(f.entryAddress())).toByteArray());
        }
        int retargeted = 0;
        int kept = 0;
        RelativeRelocations relative = elf.isExecutable() ? null : RelativeRelocations.of(elf);
        for (JumpTable t : program.jumpTables()) {
            if (retarget(elf, image, layout, t, relative)) {
                retargeted++;
            } else {
                kept++;
            }
        }
        Long entry = layout.newAddressOfBlock(elf.entry());
        if (entry != null) {
            image.setEntry(entry);
        }
        return new Result(image.build(), placements, retargeted, kept, unwind, Map.copyOf(layout.instructionMap()),
                layout.passes());
    }

    /** Points the .symtab FUNC symbols of relocated functions at their new code. */
    private static void moveSymbols(ElfFile elf, ElfImageBuilder image, CodeLayout layout) {
        Map<Long, Long> entries = new HashMap<>();
        Map<Function, long[]> ranges = new HashMap<>();
        for (Function f : layout.functions()) {
            entries.put(f.entryAddress(), layout.newAddressOfBlock(f.entryAddress()));
            ranges.put(f, layout.newRange(f));
        }
        SymbolTableRewriter.patches(elf, layout.functions(), entries, ranges, image.sectionIndex(".ykrw.text"))
                .forEach(image::patchFile);
    }

    /**
     * Adds the unwind segment (new LSDAs, .eh_frame, .eh_frame_hdr), points PT_GNU_EH_FRAME at it (adding
     * one to static links, which have none: libgcc's unwinder falls back to it, through
     * _dl_find_object, for code the frames registered by crtbeginT.o do not cover) and renames the input's
     * sections so tools read the new, complete ones.
     *
     * @return one line saying what was written, or why nothing was
     */
    private static String writeUnwindInfo(ElfFile elf, ElfImageBuilder image, CodeLayout layout) {
        Map<Function, long[]> ranges = new HashMap<>();
        for (Function f : layout.functions()) {
            ranges.put(f, layout.newRange(f));
        }
        UnwindRewriter.Result u;
        try {
            u = UnwindRewriter.rewrite(elf, layout.functions(), layout.instructionMap(), ranges,
                    image.nextSegmentAddress());
        } catch (UnwindRewriteException e) {
            return "unwind information not rewritten: " + e.getMessage();
        }
        if (u == null) {
            return "no .eh_frame";
        }
        image.addSegment(null, Segment.PF_R, u.contents(), u.contents().length);
        for (String name : List.of(".eh_frame", ".eh_frame_hdr", ".gcc_except_table")) {
            elf.section(name).ifPresent(s -> image.renameSection(s.index(), ".ykrw.old" + name));
        }
        if (u.lsdaSize() > 0) {
            image.addSection(".gcc_except_table", u.base(), u.lsdaSize());
        }
        image.addSection(".eh_frame", u.ehFrame(), u.ehFrameSize());
        image.addSection(".eh_frame_hdr", u.hdr(), u.hdrSize());
        image.redirectSegment(Segment.PT_GNU_EH_FRAME, u.hdr(), u.hdrSize());
        return String.format("%d FDEs and %d LSDAs for moved code", u.newFdes(), u.newLsdas());
    }

    /**
     * Points a resolved jump table's entries at the new code, in place: relative entries directly,
     * absolute ones directly in position-dependent files and through their R_X86_64_RELATIVE
     * relocation in PIE (the slot's value is the relocation's addend).
     *
     * @param relative the file's RELATIVE relocations (null for position-dependent files)
     * @return true when some entry was retargeted
     */
    private static boolean retarget(ElfFile elf, ElfImageBuilder image, CodeLayout layout, JumpTable t,
            RelativeRelocations relative) {
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
            } else if (relative != null) {
                RelativeRelocations.FilePatch p = relative.set(slot, target);
                if (p == null) {
                    continue;  // no RELATIVE relocation sets this slot: leave it reaching the old code
                }
                image.patchFile(p.fileOffset(), p.bytes());
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
