package org.ykrw.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Segment;
import org.ykrw.core.emit.ElfImageBuilder;
import org.ykrw.core.ir.Function;
import org.ykrw.core.layout.AddressMap;
import org.ykrw.core.layout.StrictFill;

/**
 * Strict mode: int3 over moved functions' old code except the bytes still used (entry jumps, their
 * slots, table targets left reaching the old code), and the address map that lets {@code ykrw where}
 * map an address of the new code back to the input's. Runs after {@link JumpTableRewriter} (which
 * leaves the kept targets) and before {@link EntryJumpsRewriter} (whose jumps are written over the fill).
 */
final class StrictModeRewriter implements OutputRewriter {
    @Override
    public String name() {
        return "strict-fill";
    }

    @Override
    public void run(RewriteState state) {
        if (!state.options.strict()) {
            return;
        }
        state.strict = StrictFill.plan(state.program, state.moved, entryBytes(state.moved, state.entryJumps),
                state.layout, state.keptTargets);
        fill(state.elf, state.image, state.strict);
        state.image.addUnloadedSection(AddressMap.SECTION,
                AddressMap.encode(state.layout.instructionMap(), state.layout.functions()));
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
            Arrays.fill(traps, (byte) 0xCC);
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
}
