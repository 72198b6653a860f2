package org.ykrw.core;

import java.util.ArrayList;
import java.util.List;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Section;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.layout.FunctionPlacement;
import org.ykrw.core.pass.Pass;

/**
 * The move/stay policy: which lifted functions move to the new code and, for each one that stays, why.
 * A function moves when it was lifted whole, is not PLT code, and an entry jump can be written at its
 * old address ({@link EntryJumps} decides how).
 *
 * @param placements each function, in address order, with the reason it stays (null when it moves)
 * @param moved the functions that move, in address order
 */
record MoveSelection(List<FunctionPlacement> placements, List<Function> moved) {

    /**
     * Chooses, planning each moved function's entry jump on the way. Functions whose jump needs a slot
     * get one in a second round (slots lie in moved functions' old code), and those too short for a
     * short jump try a punned jump in a third.
     *
     * @param elf the input
     * @param program its lifted program
     * @param entryJumps receives the plan of each moved function's entry jump
     * @param passes the passes to run, each of which may keep a function in place ({@link Pass#reasonToStay})
     * @return the choice
     */
    static MoveSelection choose(ElfFile elf, Program program, EntryJumps entryJumps, List<Pass> passes) {
        List<Section> pltSections = pltSections(elf);
        String[] why = new String[program.functions().size()];
        for (int i = 0; i < why.length; i++) {
            Function f = program.functions().get(i);
            why[i] = isIn(pltSections, f.entryAddress()) ? "PLT code" : reasonToStay(program, f);
            for (int k = 0; why[i] == null && k < passes.size(); k++) {
                why[i] = passes.get(k).reasonToStay(program, f);
            }
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
        List<FunctionPlacement> placements = new ArrayList<>();
        List<Function> moved = new ArrayList<>();
        for (int i = 0; i < why.length; i++) {
            Function f = program.functions().get(i);
            placements.add(new FunctionPlacement(f, why[i]));
            if (why[i] == null) {
                moved.add(f);
            }
        }
        return new MoveSelection(placements, moved);
    }

    /**
     * The lazy-binding stub at the head of .plt has no symbol, so it is lifted as an ordinary function;
     * it stays where the GOT sends unresolved calls, uninstrumented (a probe there would run inside the
     * dynamic linker's resolution, and a tracer's first call into libc would trace itself).
     *
     * @param elf the input
     * @param program its lifted program
     * @return for each function, in address order, whether it may move and if not why, before entry
     *     jumps are planned
     */
    static List<FunctionPlacement> placements(ElfFile elf, Program program) {
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
}
