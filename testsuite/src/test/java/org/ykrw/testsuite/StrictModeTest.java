package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfSymbol;
import org.ykrw.core.testutil.Tools;
import org.ykrw.passes.instrument.BlockFilter;
import org.ykrw.passes.instrument.CoveragePass;
import org.ykrw.passes.instrument.TracePass;

/**
 * --strict (issue 12) on a program that reaches old code on purpose: midentry.c calls a label in the
 * middle of a function through a pointer no analysis can see. Plain outputs run the old code and work;
 * strict ones die of SIGTRAP there: a bare trap for rewrite, one line naming the old address and the
 * function for instrument (the runtime's SIGTRAP handler), in PIE and static builds; {@code ykrw where}
 * maps a new address of a strict output back to the input's.
 */
class StrictModeTest {
    private static final int SIGTRAP_EXIT = 128 + 5;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"gcc, pie", "gcc, static", "clang, pie", "clang, nopie"})
    void oldCodeTrapsOnlyInStrictMode(String cc, String link) {
        Path bin = compile(cc, link);
        Path plain = dir.resolve("plain");
        Path strict = dir.resolve("strict");
        assertEquals(0, YkrwJar.run("rewrite", bin.toString(), "-o", plain.toString()).exit());
        Tools.Result rw = YkrwJar.run("rewrite", bin.toString(), "-o", strict.toString(), "--strict");
        assertEquals(0, rw.exit(), rw.stderr());
        assertTrue(rw.stderr().matches("(?s).*strict: [1-9]\\d* bytes of old code filled with int3.*"), rw.stderr());

        Tools.Result ok = Tools.run(List.of(plain.toString()), 60);
        assertEquals(0, ok.exit(), ok.stderr());
        assertEquals("twice 42\ntail returned\n", ok.stdout(), "plain: the old code runs");
        Tools.Result trapped = Tools.run(List.of(strict.toString()), 60);
        assertEquals(SIGTRAP_EXIT, trapped.exit(), "strict: SIGTRAP in the old code; " + trapped.stderr());
        assertEquals("twice 42\n", trapped.stdout());

        // ykrw where: twice's new entry (its moved .symtab symbol) maps back to its input address
        long moved = symbol(strict, "twice");
        Tools.Result where = YkrwJar.run("where", strict.toString(), String.format("0x%x", moved));
        assertEquals(0, where.exit(), where.stderr());
        assertEquals(String.format("0x%x: 0x%x%n", moved, symbol(bin, "twice")), where.stdout());
        Tools.Result refused = YkrwJar.run("where", plain.toString(), "0x1000");
        assertEquals(2, refused.exit(), "plain outputs carry no address map");
        assertTrue(refused.stderr().matches("ykrw: .* has no \\.ykrw\\.addrmap section.*\n"), refused.stderr());
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({"gcc, pie, coverage", "gcc, static, trace", "clang, pie, trace", "clang, static, coverage"})
    void instrumentedOutputNamesTheOldAddress(String cc, String link, String mode) throws Exception {
        Path bin = compile(cc, link);
        long tail = symbol(bin, "twice_tail");
        long twice = symbol(bin, "twice");
        InstrumentedRun r = InstrumentedRun.instrument(bin, mode.equals("trace")
                ? new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, false, false)
                : new CoveragePass(CoveragePass.Mode.COVERAGE, BlockFilter.ALL), dir.resolve(mode), true).run(Map.of());
        assertEquals(SIGTRAP_EXIT, r.exit, r.stderr);
        assertEquals("twice 42\n", r.stdout);
        assertEquals(String.format("ykrw runtime: strict: old code ran at 0x%x in twice+0x%x (link-time addresses):"
                + " a control transfer the analysis missed\n", tail, tail - twice), r.stderr);

        InstrumentedRun plain = InstrumentedRun.instrument(bin, new CoveragePass(CoveragePass.Mode.COVERAGE,
                BlockFilter.ALL), dir.resolve("plain"), false).run(Map.of());
        assertEquals(0, plain.exit, plain.stderr);
        assertFalse(plain.stderr.contains("strict"), plain.stderr);
    }

    /**
     * instrument says how many blocks functions with unresolved indirect jumps may lose, in one line, and
     * --report lists them: switch.c's interpret at clang -O0 dispatches every computed goto through one
     * `jmp rax` fed from a stack slot, unresolved and made with the frame on the stack, so it stays in place.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"pie", "static"})
    void instrumentCountsTheBlocksUnresolvedJumpsMayLose(String link) {
        Path bin = dir.resolve("switch-clang-O0-" + link);
        List<String> cmd = new ArrayList<>(List.of("clang", "-O0", "-o", bin.toString(),
                ProgramMatrix.sources().resolve("switch.c").toString()));
        cmd.addAll(link.equals("pie") ? List.of("-fPIE", "-pie") : List.of("-static"));
        Tools.output(cmd);
        long interpret = symbol(bin, "interpret");
        Tools.Result r = YkrwJar.run("instrument", "--coverage", bin.toString(), "-o", dir.resolve("out").toString());
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stderr().matches("(?s).*\nykrw:   [1-9]\\d* functions may lose blocks to unresolved indirect"
                + " jumps: [1-9]\\d* left in place \\([1-9]\\d* blocks uninstrumented\\).* \\(--report lists them\\)\n.*"),
                r.stderr());
        Tools.Result report = YkrwJar.run("instrument", "--coverage", "--report", bin.toString(), "-o",
                dir.resolve("out2").toString());
        assertTrue(report.stdout().contains(String.format("may lose blocks: interpret at 0x%x: left in place, ", interpret)),
                report.stdout());
        assertTrue(report.stdout().contains(String.format("left in place: interpret at 0x%x: unresolved indirect jump%n",
                interpret)), report.stdout());
    }

    private static long symbol(Path bin, String name) {
        return ElfFile.read(bin).symbols().stream().filter(s -> s.name().equals(name)).mapToLong(ElfSymbol::value)
                .findFirst().orElseThrow();
    }

    private Path compile(String cc, String link) {
        try {
            return TestCompiler.compile(dir.resolve("midentry-" + cc + "-" + link), "midentry.c", cc, link, List.of());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
