package org.ykrw.core.meta;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
     * A stretch of moved code described by one input FDE: its instructions' old and new addresses and
     * the row of the input's CFA program each is in.
     */
    private record Run(EhFrame.Fde fde, long[] oldAddresses, long[] newAddresses, int[] rows, long newEnd) {
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
        private final List<Run> runs;
        private final byte[][] programs;

        private Prepared(ElfFile elf, InstructionMap instructionMap, EhFrame frame, List<Run> runs, byte[][] programs) {
            this.elf = elf;
            this.instructionMap = instructionMap;
            this.frame = frame;
            this.runs = runs;
            this.programs = programs;
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
     * @param newRanges the new [start, end) of each moved function
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
        List<Run> runs = new ArrayList<>();
        for (Function f : moved) {
            runs.addAll(runsOf(f, instructionMap, newRanges.get(f), input.byStart, input.programs));
        }
        byte[][] newPrograms = new byte[runs.size()][];
        for (int i = 0; i < runs.size(); i++) {
            newPrograms[i] = program(runs.get(i), input.programs.get(runs.get(i).fde()));
        }
        return new Prepared(elf, instructionMap, input.frame, runs, newPrograms);
    }

    private static Result write(Prepared p, long base) {
        List<Run> runs = p.runs;
        // 2. LSDAs first, at the segment start: their content depends on their own address
        DwarfBytes segment = new DwarfBytes();
        Map<Long, LsdaRemapper> remappers = new HashMap<>();
        long[] newLsda = new long[runs.size()];
        int lsdas = 0;
        for (int i = 0; i < runs.size(); i++) {
            Run run = runs.get(i);
            if (run.fde().lsda() == 0) {
                continue;
            }
            while (segment.size() % 4 != 0) {
                segment.u8(0);
            }
            LsdaRemapper remapper = remappers.computeIfAbsent(run.fde().lsda(),
                    a -> new LsdaRemapper(p.elf, a, run.fde().pcBegin()));
            long at = base + segment.size();
            segment.bytes(remapper.write(at, run.newAddresses()[0], run.newEnd(), old -> siteMap(run, old),
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
            Run run = runs.get(i);
            long start = run.newAddresses()[0];
            w.fde(run.fde().cie(), start, run.newEnd() - start, newLsda[i], run.fde().extraAugmentation(),
                    p.programs[i], true);
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

    /** Cuts a moved function into runs; instructions outside every FDE are left uncovered, as they were. */
    private static List<Run> runsOf(Function f, InstructionMap instructionMap, long[] range,
            List<EhFrame.Fde> byStart, Map<EhFrame.Fde, CfaProgram> programs) {
        // old/new address pairs in emission order (kept in two arrays, the first n of each); a repeated
        // old instruction (overlapping blocks) is part of what precedes it
        long[] olds = instructionMap.oldAddressesOf(f);
        long[] news = instructionMap.newAddressesOf(f);
        int n = 0;
        long lastNew = Long.MIN_VALUE;
        for (int j = 0; j < olds.length; j++) {
            if (news[j] > lastNew) {
                olds[n] = olds[j];
                news[n++] = news[j];
                lastNew = news[j];
            }
        }
        int[] rows = new int[n];
        List<Run> runs = new ArrayList<>();
        int k = 0;
        while (k < n) {
            EhFrame.Fde fde = fdeAt(byStart, olds[k]);
            if (fde == null) {
                k++;
                continue;
            }
            CfaProgram program = programs.computeIfAbsent(fde, CfaProgram::of);
            int first = k;
            int row = program.rowAt(olds[k]);
            rows[k] = row;
            k++;
            while (k < n) {
                long old = olds[k];
                if (old < olds[k - 1] || old >= fde.pcEnd() || old < fde.pcBegin()) {
                    break;
                }
                // addresses only grow inside a run, so the row is found by moving forward from the last one
                int r = program.rowFrom(row, old);
                if (r < row) {
                    break;
                }
                row = r;
                rows[k] = r;
                k++;
            }
            long end = k < n ? news[k] : range[1];
            runs.add(new Run(fde, Arrays.copyOfRange(olds, first, k), Arrays.copyOfRange(news, first, k),
                    Arrays.copyOfRange(rows, first, k), end));
        }
        return runs;
    }

    private static EhFrame.Fde fdeAt(List<EhFrame.Fde> byStart, long address) {
        int lo = 0;
        int hi = byStart.size() - 1;
        EhFrame.Fde found = null;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            EhFrame.Fde f = byStart.get(mid);
            if (Long.compareUnsigned(f.pcBegin(), address) <= 0) {
                found = f;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found != null && Long.compareUnsigned(address, found.pcEnd()) < 0 ? found : null;
    }

    /** @return new address of the run's first instruction at or after {@code old}, or the run's end */
    private static long siteMap(Run run, long old) {
        int i = Arrays.binarySearch(run.oldAddresses(), old);
        if (i < 0) {
            i = -i - 1;
        }
        return i < run.oldAddresses().length ? run.newAddresses()[i] : run.newEnd();
    }

    /** @return the new FDE's CFA program: rows up to the first instruction's, then advances and rows */
    private static byte[] program(Run run, CfaProgram program) {
        DwarfBytes out = new DwarfBytes();
        List<CfaProgram.Row> rows = program.rows();
        int row = run.rows()[0];
        for (int r = 0; r <= row; r++) {
            out.bytes(rows.get(r).ops());
        }
        long loc = run.newAddresses()[0];
        for (int i = 1; i < run.oldAddresses().length; i++) {
            int r = run.rows()[i];
            if (r == row) {
                continue;
            }
            CfaProgram.advance(out, run.newAddresses()[i] - loc);
            loc = run.newAddresses()[i];
            for (int j = row + 1; j <= r; j++) {
                out.bytes(rows.get(j).ops());
            }
            row = r;
        }
        return out.toByteArray();
    }
}
