package org.ykrw.core.meta;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.dwarf.CfaProgram;
import org.ykrw.core.dwarf.EhFrame;
import org.ykrw.core.elf.ElfFile;

/**
 * The input's unwind information as the unwind rewriter reads it: .eh_frame parsed, its FDEs by start
 * address, and each FDE's CFA program cut into rows. None of it depends on the lifted program, so it
 * can be read on another thread while the program is lifted.
 */
public final class UnwindInput {
    final EhFrame frame;
    /** FDEs with a range, by pc_begin (unsigned). */
    final List<EhFrame.Fde> byStart;
    /**
     * Programs read so far; the rewriter adds the rest (and meets their errors) when it needs them. By
     * identity: a record's hash would go over all its fields (slowly, through method handles), and two
     * FDEs read from different places are never equal anyway (their arrays differ).
     */
    final Map<EhFrame.Fde, CfaProgram> programs;

    private UnwindInput(EhFrame frame) {
        this.frame = frame;
        this.byStart = new ArrayList<>(frame.fdes());
        byStart.removeIf(f -> f.pcRange() <= 0 || f.pcBegin() == 0);
        byStart.sort((a, b) -> Long.compareUnsigned(a.pcBegin(), b.pcBegin()));
        this.programs = new IdentityHashMap<>();
    }

    /**
     * Reads .eh_frame and every CFA program that reads without error; a program that does not is left
     * for the rewriter, which reports it only if moved code needs it (as it did before reading ahead).
     *
     * @return the input's unwind information, or null when it has no .eh_frame
     */
    public static UnwindInput read(ElfFile elf) {
        EhFrame frame = EhFrame.read(elf);
        if (frame == null) {
            return null;
        }
        UnwindInput in = new UnwindInput(frame);
        for (EhFrame.Fde f : in.byStart) {
            try {
                in.programs.put(f, CfaProgram.of(f));
            } catch (RuntimeException e) {
                // met again, and thrown, when a run needs this FDE
            }
        }
        return in;
    }
}
