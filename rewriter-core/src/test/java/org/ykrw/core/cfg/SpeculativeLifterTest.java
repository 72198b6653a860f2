package org.ykrw.core.cfg;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.JumpTable;
import org.ykrw.core.ir.Program;
import org.ykrw.core.ir.UnresolvedJump;
import org.ykrw.core.x86.Insn;

/**
 * Lifting with a second thread lifting ahead gives the same program as lifting on one thread: every
 * function (entry, name, end, state, sources), block (instructions, edges), table and unresolved
 * jump. STALE makes that thread lift with the starts known at each round's start only, so every start
 * learnt later has to be caught by the check at commit (busybox learns starts in pass 1 and in
 * hundreds of gap-scan rounds, and has lifts made ahead rejected for them).
 */
class SpeculativeLifterTest {
    @ParameterizedTest
    @ValueSource(strings = {"/usr/bin/ls", "/bin/busybox", "/usr/bin/python3.11"})
    void secondThreadChangesNothing(String file) {
        assumeTrue(Files.exists(Path.of(file)), file + " not installed");
        ElfFile elf = ElfFile.read(Path.of(file));
        List<String> one = dump(CfgBuilder.lift(elf, LiftOptions.defaults(), SecondThread.Mode.OFF));
        assertTrue(one.size() > 1000, "lifted too little to compare: " + one.size() + " lines");
        for (SecondThread.Mode mode : List.of(SecondThread.Mode.AHEAD, SecondThread.Mode.STALE)) {
            List<String> two = dump(CfgBuilder.lift(elf, LiftOptions.defaults(), mode));
            assertEquals(one.size(), two.size(), mode + ": line count");
            for (int i = 0; i < one.size(); i++) {
                assertEquals(one.get(i), two.get(i), mode + ": first difference at line " + i);
            }
        }
    }

    /** @return the program as text, one line per function, block, edge, table and unresolved jump */
    private static List<String> dump(Program p) {
        List<String> out = new ArrayList<>();
        for (Function f : p.functions()) {
            out.add(String.format("fn %x %s end=%x state=%s skip=%s noreturn=%b plt=%b by=%s aliases=%s",
                    f.entryAddress(), f.name(), f.endAddress(), f.state(), f.skipReason(), f.isNoReturn(),
                    f.isPlt(), f.discoveredBy(), f.aliases()));
            for (Block b : f.blocks()) {
                StringBuilder insns = new StringBuilder();
                for (Insn i : b.instructions()) {
                    insns.append(' ').append(Long.toHexString(i.address())).append(':').append(i.length());
                }
                out.add(String.format("  block %s end=%x indirect=%b%s", b.label(), b.endAddress(),
                        b.isIndirectTarget(), insns));
                for (Edge e : b.successors()) {
                    out.add("    " + e);
                }
            }
        }
        for (JumpTable t : p.jumpTables()) {
            out.add(String.format("table %x at %x %s %d %x %s fn=%s width=%b", t.jumpAddress(), t.tableAddress(),
                    t.kind(), t.entrySize(), t.base(), t.targets(), t.function().name(), t.widthBound()));
        }
        for (UnresolvedJump u : p.unresolvedJumps()) {
            out.add(String.format("unresolved %x %s %s %b", u.address(), u.function().name(), u.reason(),
                    u.looksLikeTable()));
        }
        out.add("unreached " + p.unreachedRanges());
        out.add("stats " + p.stats().toString().replaceAll("liftMillis=\\d+", ""));
        return out;
    }
}
