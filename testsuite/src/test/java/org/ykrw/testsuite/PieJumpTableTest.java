package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Relocation;
import org.ykrw.core.testutil.Tools;

/**
 * Absolute jump tables in PIE (standalone/computedgoto.c): after the rewrite every table slot's
 * RELATIVE relocation (RELA addend, or RELR slot value) points into the new code, and the program
 * prints what the original printed. Also after `instrument --coverage`, whose runtime makes the
 * rewriter copy .rela.dyn to add relocations: the copy must carry the retargeted addends.
 */
class PieJumpTableTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"rela,rewrite", "relr,rewrite", "rela,instrument", "relr,instrument"})
    void tableSlotsReachTheMovedCode(String relocations, String command) {
        Path bin = dir.resolve("computedgoto-" + relocations);
        List<String> cc = new ArrayList<>(List.of("gcc", "-O0", "-fPIE", "-pie", "-o", bin.toString(),
                Path.of("src/test/resources/standalone/computedgoto.c").toAbsolutePath().toString()));
        if (relocations.equals("relr")) {
            cc.add("-Wl,-z,pack-relative-relocs");
        }
        Tools.output(cc);
        Path out = dir.resolve(bin.getFileName() + ".rw");
        Tools.Result rw = command.equals("rewrite") ? YkrwJar.run("rewrite", bin.toString(), "-o", out.toString())
                : YkrwJar.run("instrument", "--coverage", bin.toString(), "-o", out.toString());
        assertEquals(0, rw.exit(), rw.stderr());
        if (command.equals("rewrite")) {
            assertTrue(rw.stderr().contains("retargeted 1 jump tables (0 kept)"), rw.stderr());
        }
        Tools.Result before = Tools.run(List.of(bin.toString()), 30);
        Tools.Result after = Tools.run(List.of("env", "YKRW_COVERAGE_DIR=" + dir, out.toString()), 30);
        assertEquals(before.stdout(), after.stdout());
        assertEquals(before.exit(), after.exit());

        ElfFile original = ElfFile.read(bin);
        ElfFile rewritten = ElfFile.read(out);
        long oldEnd = original.segments().stream().filter(s -> s.isLoad()).mapToLong(s -> s.vaddr() + s.memsz())
                .max().orElseThrow();
        long textStart = original.section(".text").orElseThrow().address();
        long textEnd = textStart + original.section(".text").orElseThrow().size();
        Map<Long, Long> now = new HashMap<>();
        for (Relocation r : rewritten.relocations()) {
            now.put(r.offset(), r.addend());
        }
        int slots = 0;
        for (Relocation r : original.relocations()) {
            // code addresses inside .text that are not function entries: the table's label slots
            boolean labelSlot = r.type() == Relocation.R_X86_64_RELATIVE && r.addend() >= textStart && r.addend() < textEnd
                    && original.symbols().stream().noneMatch(s -> s.value() == r.addend());
            if (labelSlot) {
                slots++;
                assertTrue(now.get(r.offset()) > oldEnd, String.format("slot 0x%x still reaches 0x%x", r.offset(),
                        now.get(r.offset())));
            }
        }
        assertEquals(4, slots, "table slots found");
    }
}
