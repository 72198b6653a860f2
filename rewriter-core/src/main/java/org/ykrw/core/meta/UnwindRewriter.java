package org.ykrw.core.meta;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.dwarf.DwarfWriter;
import org.ykrw.core.dwarf.EhFrame;
import org.ykrw.core.dwarf.EhFrameHdrWriter;
import org.ykrw.core.dwarf.EhFrameWriter;
import org.ykrw.core.dwarf.LsdaRemapper;
import org.ykrw.core.dwarf.UnwindRewriteException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.Function;
import org.ykrw.core.layout.InstructionMap;

/**
 * Unwind information for moved code (issue 3, design step 7): one read-only segment holding new LSDAs,
 * a new .eh_frame (every input CIE and FDE, since old code may still run, plus FDEs for the moved code)
 * and a new .eh_frame_hdr.
 *
 * <p>Moved code keeps its instructions in their original order, so inside one input FDE the unwind
 * rows are met in increasing order; a moved instruction gets the row its old address had, and bytes
 * the layout adds (the jump after a block whose fall-through successor is not next, probes inserted
 * before an instruction) belong to the instruction before them or to the one they precede, as the
 * instruction map says. Each maximal stretch of moved code whose old instructions come from one input
 * FDE in non-decreasing order becomes one new FDE; its program replays the input rows up to the
 * first instruction's (no advance), then advances to each new address where the row changes.
 */
public final class UnwindRewriter {
    /**
     * The new segment and where its parts are.
     *
     * @param contents the segment's bytes (loaded at {@code base})
     * @param base its address
     * @param ehFrame address of the new .eh_frame
     * @param ehFrameSize its size
     * @param hdr address of the new .eh_frame_hdr
     * @param hdrSize its size
     * @param lsdaSize size of the new LSDAs, at {@code base}
     * @param newFdes FDEs written for moved code
     * @param newLsdas LSDAs written for moved code
     */
    public record Result(byte[] contents, long base, long ehFrame, long ehFrameSize, long hdr, long hdrSize,
            long lsdaSize, int newFdes, int newLsdas) {
    }

    /**
     * What does not depend on where the unwind segment goes (the bulk of the work: reading .eh_frame,
     * cutting the moved code into runs, their CFA programs), so that it can be done while the rest of
     * the output is still being placed.
     */
    public static final class Prepared {
        private final ElfFile elf;
        private final InstructionMap instructionMap;
        private final EhFrame frame;
        private final List<RunCutter.Run> runs;

        private Prepared(ElfFile elf, InstructionMap instructionMap, EhFrame frame, List<RunCutter.Run> runs) {
            this.elf = elf;
            this.instructionMap = instructionMap;
            this.frame = frame;
            this.runs = runs;
        }

        /**
         * @param base where the unwind segment will be loaded
         * @return the segment
         * @throws UnwindRewriteException when some unwind information cannot be re-encoded
         */
        public Result write(long base) {
            return UnwindRewriter.write(this, base);
        }
    }

    private UnwindRewriter() {
    }

    /**
     * @param elf the input
     * @param moved the relocated functions, in layout order
     * @param instructionMap old instruction address -> new address of the first byte emitted for it
     * @param newRanges the new [start, end) of each moved function (and of its cold part, {@link
     *     org.ykrw.core.layout.CodeLayout#newRange})
     * @param base where the unwind segment will be loaded
     * @return the segment, or null when the input has no .eh_frame
     * @throws UnwindRewriteException when some unwind information cannot be re-encoded
     */
    public static Result rewrite(ElfFile elf, List<Function> moved, InstructionMap instructionMap,
            Map<Function, long[]> newRanges, long base) {
        Prepared p = prepare(elf, UnwindInput.read(elf), moved, instructionMap, newRanges);
        return p == null ? null : p.write(base);
    }

    /**
     * The part of {@link #rewrite} that does not depend on the segment's address; {@link Prepared#write}
     * finishes it. Reads only its arguments, so it may run on another thread than the one building
     * the output.
     *
     * @param input the input's unwind information ({@link UnwindInput#read}), null when it has none
     * @return the runs and their programs, or null when the input has no .eh_frame
     * @throws UnwindRewriteException when some unwind information cannot be re-encoded
     */
    public static Prepared prepare(ElfFile elf, UnwindInput input, List<Function> moved, InstructionMap instructionMap,
            Map<Function, long[]> newRanges) {
        if (input == null) {
            return null;
        }
        // 1. runs of moved code, each under one input FDE, and their new CFA programs
        RunCutter cutter = new RunCutter(instructionMap, input.byStart, input.programs);
        for (Function f : moved) {
            cutter.cut(f, newRanges.get(f));
        }
        return new Prepared(elf, instructionMap, input.frame, cutter.runs());
    }

    private static Result write(Prepared p, long base) {
        List<RunCutter.Run> runs = p.runs;
        // 2. LSDAs first, at the segment start: their content depends on their own address
        DwarfWriter segment = new DwarfWriter();
        Map<Long, LsdaRemapper> remappers = new HashMap<>();
        long[] newLsda = new long[runs.size()];
        int lsdas = 0;
        for (int i = 0; i < runs.size(); i++) {
            RunCutter.Run run = runs.get(i);
            if (run.fde().lsda() == 0) {
                continue;
            }
            while (segment.size() % 4 != 0) {
                segment.u8(0);
            }
            LsdaRemapper remapper = remappers.computeIfAbsent(run.fde().lsda(),
                    a -> new LsdaRemapper(p.elf, a, run.fde().pcBegin()));
            long at = base + segment.size();
            segment.bytes(remapper.write(at, run.newStart(), run.newEnd(), old -> siteMap(run, old),
                    old -> {
                        long n = p.instructionMap.get(old);
                        return n != InstructionMap.ABSENT ? n : old;
                    }));
            newLsda[i] = at;
            lsdas++;
        }
        long lsdaSize = segment.size();
        // 3. .eh_frame: the input's entries, then one FDE per run
        while (segment.size() % 8 != 0) {
            segment.u8(0);
        }
        long ehFrame = base + segment.size();
        EhFrameWriter w = new EhFrameWriter(ehFrame);
        w.copy(p.frame);
        for (int i = 0; i < runs.size(); i++) {
            RunCutter.Run run = runs.get(i);
            long start = run.newStart();
            w.fde(run.fde().cie(), start, run.newEnd() - start, newLsda[i], run.fde().extraAugmentation(),
                    run.program(), true);
        }
        byte[] ehBytes = w.finish();
        segment.bytes(ehBytes);
        // 4. .eh_frame_hdr
        while (segment.size() % 4 != 0) {
            segment.u8(0);
        }
        long hdr = base + segment.size();
        byte[] hdrBytes = EhFrameHdrWriter.write(hdr, ehFrame, w.table());
        segment.bytes(hdrBytes);
        return new Result(segment.toByteArray(), base, ehFrame, ehBytes.length, hdr, hdrBytes.length, lsdaSize,
                runs.size(), lsdas);
    }

    /** @return new address of the run's first instruction at or after {@code old}, or the run's end */
    private static long siteMap(RunCutter.Run run, long old) {
        int i = Arrays.binarySearch(run.oldAddresses(), old);
        if (i < 0) {
            i = -i - 1;
        }
        return i < run.oldAddresses().length ? run.newAddresses()[i] : run.newEnd();
    }
}
