package org.ykrw.core.meta;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.ykrw.core.dwarf.CfaProgram;
import org.ykrw.core.dwarf.DwarfWriter;
import org.ykrw.core.dwarf.EhFrame;
import org.ykrw.core.ir.Function;
import org.ykrw.core.layout.InstructionMap;

/**
 * Cuts moved functions into runs (maximal stretches of moved code whose old instructions come from
 * one input FDE in non-decreasing order) and writes each run's new CFA program as soon as it is cut.
 * A function's addresses are read into scratch arrays reused for the next one: only what the
 * output needs outlives the cut (the program, and addresses where an LSDA must be remapped).
 */
final class RunCutter {
    /**
     * A run: its FDE, its new [start, end), its new CFA program, and for an FDE with an LSDA the old
     * and new address of each of its instructions (null otherwise).
     */
    record Run(EhFrame.Fde fde, long newStart, long newEnd, byte[] program, long[] oldAddresses, long[] newAddresses) {
    }

    private final InstructionMap instructionMap;
    private final List<EhFrame.Fde> byStart;
    private final Map<EhFrame.Fde, CfaProgram> programs;
    private final List<Run> runs = new ArrayList<>();
    private long[] olds = new long[256];
    private long[] news = new long[256];
    private int[] rows = new int[256];

    RunCutter(InstructionMap instructionMap, List<EhFrame.Fde> byStart, Map<EhFrame.Fde, CfaProgram> programs) {
        this.instructionMap = instructionMap;
        this.byStart = byStart;
        this.programs = programs;
    }

    /** @return the runs cut so far, in order */
    List<Run> runs() {
        return runs;
    }

    /**
     * Adds f's runs; instructions outside every FDE are left uncovered, as they were. A function split
     * into hot and cold parts has no run across the two: a run ends where its part ends.
     *
     * @param range the new [start, end) of f's code, then, when it was split, its cold part's [start, end)
     */
    void cut(Function f, long[] range) {
        long coldStart = range.length > 2 ? range[2] : Long.MAX_VALUE;
        int count = instructionMap.count(f);
        if (count > olds.length) {
            olds = new long[count];
            news = new long[count];
            rows = new int[count];
        }
        instructionMap.addressesOf(f, olds, news);
        // old/new address pairs in emission order (the first n of each); a repeated old instruction
        // (overlapping blocks) is part of what precedes it, and an instruction emitted as nothing (a
        // jmp to the block after it) gives way to the one that follows it at the same address
        int n = 0;
        long lastNew = Long.MIN_VALUE;
        for (int j = 0; j < count; j++) {
            if (news[j] > lastNew) {
                olds[n] = olds[j];
                news[n++] = news[j];
                lastNew = news[j];
            } else if (news[j] == lastNew && olds[j] != olds[n - 1]) {
                olds[n - 1] = olds[j];
            }
        }
        int k = 0;
        while (k < n) {
            EhFrame.Fde fde = fdeAt(olds[k]);
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
                if (old < olds[k - 1] || old >= fde.pcEnd() || old < fde.pcBegin()
                        || news[k - 1] < coldStart && news[k] >= coldStart) {
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
            boolean lsda = fde.lsda() != 0;
            long end;
            if (news[first] < coldStart) {
                end = k < n && news[k] < coldStart ? news[k] : range[1];
            } else {
                end = k < n ? news[k] : range[3];
            }
            runs.add(new Run(fde, news[first], end, program(program, first, k),
                    lsda ? Arrays.copyOfRange(olds, first, k) : null, lsda ? Arrays.copyOfRange(news, first, k) : null));
        }
    }

    private EhFrame.Fde fdeAt(long address) {
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

    /** @return the new CFA program of the run [from, to): rows up to the first instruction's, then advances and rows */
    private byte[] program(CfaProgram program, int from, int to) {
        DwarfWriter out = new DwarfWriter();
        List<CfaProgram.Row> all = program.rows();
        int row = rows[from];
        for (int r = 0; r <= row; r++) {
            out.bytes(all.get(r).ops());
        }
        long loc = news[from];
        for (int i = from + 1; i < to; i++) {
            int r = rows[i];
            if (r == row) {
                continue;
            }
            CfaProgram.advance(out, news[i] - loc);
            loc = news[i];
            for (int j = row + 1; j <= r; j++) {
                out.bytes(all.get(j).ops());
            }
            row = r;
        }
        return out.toByteArray();
    }
}
