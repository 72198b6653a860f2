package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ykrw.core.RewriteOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfSymbol;
import org.ykrw.core.testutil.Tools;

/**
 * Pointers to moved functions pointed at their new entries ({@link RewriteOptions#retargetCodePointers},
 * on in {@code ykrw optimize}). pointers.c keeps function pointers in a relocated table, takes one in
 * code, compares them, asks dlsym for an exported function and hands qsort a callback. The rewritten
 * copy runs in strict mode with the jumps at the old entries of the functions whose pointers were all
 * found overwritten by int3: a pointer left old would trap. The exported function keeps its old entry
 * (dlsym answers with it), and the program's own comparisons print what they printed before.
 */
class CodePointersTest {
    @TempDir
    Path dir;

    private static final Pattern NOTE = Pattern.compile("code pointers: ([\\d,]+) functions' pointers now reach their new"
            + " entries \\(([\\d,]+) in data, ([\\d,]+) taken in code\\); ([\\d,]+) moved");
    private static final List<String> RETARGETED = List.of("add", "sub", "mul", "by_value");

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"gcc, pie", "clang, pie", "gcc, relr", "clang, relr"})
    void pointersReachTheNewEntries(String cc, String link) throws Exception {
        Path bin = compile(cc, link);
        InstrumentedRun r = rewrite(bin, true, "out-" + cc + "-" + link);
        poisonOldEntries(bin, r.binary, RETARGETED);
        r.run(Map.of());
        assertEquals(0, r.exit, r.stderr);
        assertEquals(Tools.run(List.of(bin.toString()), 60).stdout(), r.stdout);
        String notes = String.join("\n", r.rewrite.passNotes());
        Matcher m = NOTE.matcher(notes);
        assertTrue(m.find(), notes);
        assertTrue(Integer.parseInt(m.group(1)) >= RETARGETED.size(), notes);   // main too, where _start moved
        assertTrue(Integer.parseInt(m.group(2)) >= 3, notes);                     // the table's add, sub and mul
        assertTrue(Integer.parseInt(m.group(4)) >= 1, notes);                     // twice, exported
    }

    /** The same poisoned entries without the retargeting: the table's calls run the old entries and trap. */
    @Test
    void withoutItThePoisonedEntriesRun() throws Exception {
        Path bin = compile("gcc", "pie");
        InstrumentedRun r = rewrite(bin, false, "kept");
        poisonOldEntries(bin, r.binary, RETARGETED);
        r.run(Map.of());
        assertNotEquals(0, r.exit, r.stdout);
        assertTrue(r.rewrite.passNotes().stream().noneMatch(l -> l.startsWith("code pointers")), r.rewrite.passNotes().toString());
    }

    /** A position-dependent file's pointers in data are plain numbers: all stay, and the note says why. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"gcc", "clang"})
    void positionDependentFilesKeepTheirPointers(String cc) throws Exception {
        Path bin = compile(cc, "nopie");
        InstrumentedRun r = rewrite(bin, true, "nopie-" + cc).run(Map.of());
        assertEquals(0, r.exit, r.stderr);
        assertEquals(Tools.run(List.of(bin.toString()), 60).stdout(), r.stdout);
        assertTrue(r.rewrite.passNotes().stream().anyMatch(l -> l.startsWith("code pointers: left at the old entries")),
                r.rewrite.passNotes().toString());
    }

    private Path compile(String cc, String link) throws IOException {
        return TestCompiler.compile(dir.resolve("pointers-" + cc + "-" + link), "pointers.c", cc, link, List.of("-O2", "-rdynamic"));
    }

    private InstrumentedRun rewrite(Path bin, boolean retarget, String into) throws IOException {
        return InstrumentedRun.instrument(bin, List.of(), dir.resolve(into),
                RewriteOptions.defaults().withStrict(true).withRetargetCodePointers(retarget));
    }

    /** Overwrites the first byte of each named function's old entry (its jump to the new code) with int3. */
    private static void poisonOldEntries(Path input, Path output, List<String> names) throws IOException {
        List<ElfSymbol> symbols = ElfFile.read(input).symbols();
        ElfFile out = ElfFile.read(output);
        byte[] bytes = Files.readAllBytes(output);
        for (String name : names) {
            ElfSymbol s = symbols.stream().filter(x -> x.name().equals(name) && x.isFunction()).findFirst().orElseThrow(
                    () -> new AssertionError(input + " has no function " + name));
            bytes[(int) out.fileOffset(s.value())] = (byte) 0xCC;
        }
        Files.write(output, bytes);
    }
}
