package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfSymbol;
import org.ykrw.core.ir.JumpTable;
import org.ykrw.core.ir.Program;
import org.ykrw.core.testutil.Tools;

/**
 * A compare before a jump table bounds the index only on the edge where it says "at most"
 * (lowerbound.c, the shape of V8's regexp parser in node): each function's table must be found at its
 * own label with its own four targets, checked against the symbols of the fixture's assembly; before,
 * dispatch's table was read from the four slots before it, other's table, and node rewritten in
 * strict mode trapped in the cases never lifted. The null rewrite must still print what the original does.
 */
class TableLowerBoundTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gcc", "clang"})
    void eachTableIsReadAtItsOwnLabel(String cc) throws Exception {
        Path bin = dir.resolve("lowerbound-" + cc);
        Tools.output(List.of(cc, "-O2", "-fno-pie", "-no-pie", "-o", bin.toString(),
                ProgramMatrix.sources().resolve("lowerbound.c").toString()));
        ElfFile elf = ElfFile.read(bin);
        Program p = CfgBuilder.lift(elf, LiftOptions.defaults());
        for (String fn : List.of("other", "dispatch")) {
            ElfSymbol f = symbol(elf, fn);
            List<JumpTable> tables = p.jumpTables().stream()
                    .filter(t -> t.jumpAddress() >= f.value() && t.jumpAddress() < f.value() + f.size()).toList();
            assertEquals(1, tables.size(), fn + ": " + tables);
            JumpTable t = tables.get(0);
            assertEquals(symbol(elf, fn + "_table").value(), t.tableAddress(), fn + "'s table address");
            assertEquals(4, t.entryCount(), fn + ": " + t);
            for (long target : t.targets()) {
                assertTrue(target >= f.value() && target < f.value() + f.size(),
                        fn + ": target 0x" + Long.toHexString(target) + " outside the function");
            }
        }
        Tools.Result original = Tools.run(List.of(bin.toString()), 30);
        InstrumentedRun r = InstrumentedRun.instrument(bin, null, dir.resolve("rewrite-" + cc)).run(Map.of());
        assertEquals(original.stdout(), r.stdout, r.stderr);
        assertEquals(0, r.exit, r.stderr);
    }

    private static ElfSymbol symbol(ElfFile elf, String name) {
        return elf.symbols().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }
}
