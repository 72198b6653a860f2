package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ykrw.core.Rewriter;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.testutil.Tools;
import org.ykrw.passes.instrument.BlockFilter;
import org.ykrw.passes.instrument.CoveragePass;
import org.ykrw.passes.instrument.TracePass;

/**
 * Outputs keep the input's memory protections (issue 13), in every mode: protections.c prints, after
 * running code, whether any mapping is writable and executable, whether its RELRO range and its
 * dynamic section are read-only and whether its stack is executable, and the rewritten copy must
 * print the same. Before this, `--once` left the code writable and executable for the whole run, and
 * every instrument mode moved .dynamic out of RELRO into a writable segment.
 */
class ProtectionsTest {
    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String cc : List.of("gcc", "clang")) {
            for (String link : List.of("pie", "nopie", "static")) {
                for (String mode : List.of("rewrite", "coverage", "counts", "once", "trace", "recorder", "toggle")) {
                    out.add(Arguments.of(cc, link, mode));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void outputKeepsTheInputsProtections(String cc, String link, String mode) throws Exception {
        Path bin = compile(cc, link, List.of());
        String original = Tools.run(List.of(bin.toString()), 60).stdout();
        assertTrue(original.contains("writable and executable mappings: 0\n"), original);
        InstrumentedRun r = InstrumentedRun.instrument(bin, pass(mode), dir.resolve(mode));
        r.run(Map.of("YKRW_TRACE", "1"));
        assertEquals(0, r.exit, r.stderr);
        assertEquals(original, r.stdout, r.stderr);
    }

    /** A program that claims IBT and shadow stacks loses the claim once code moves, with a note. */
    @Test
    void cetClaimsAreDroppedWithANote() throws Exception {
        Path bin = compile("gcc", "pie", List.of("-fcf-protection=full", "-Wl,-z,ibt,-z,shstk"));
        assertTrue(Tools.output(List.of("readelf", "-n", bin.toString())).contains("IBT, SHSTK"));
        Rewriter.Result r = Rewriter.rewrite(ElfFile.read(bin), LiftOptions.defaults(), List.of());
        Path out = dir.resolve("cet.out");
        Files.write(out, r.output());
        String notes = Tools.output(List.of("readelf", "-n", out.toString()));
        assertFalse(notes.contains("IBT") || notes.contains("SHSTK"), notes);
        assertTrue(r.passNotes().stream().anyMatch(l -> l.contains("IBT and SHSTK claim is dropped")), r.passNotes()
                .toString());
    }

    private static Pass pass(String mode) {
        return switch (mode) {
            case "rewrite" -> null;
            case "coverage" -> new CoveragePass(CoveragePass.Mode.COVERAGE, BlockFilter.ALL);
            case "counts" -> new CoveragePass(CoveragePass.Mode.COUNTS, BlockFilter.ALL);
            case "once" -> new CoveragePass(CoveragePass.Mode.ONCE, BlockFilter.ALL);
            case "trace" -> new TracePass(TracePass.Abi.ARGS2, "protections_tracer", BlockFilter.ALL, false, false);
            case "recorder" -> new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, false, false);
            case "toggle" -> new TracePass(TracePass.Abi.ARGS2, "protections_tracer", BlockFilter.ALL, true, true);
            default -> throw new IllegalArgumentException(mode);
        };
    }

    private Path compile(String cc, String link, List<String> extra) throws IOException {
        return TestCompiler.compile(dir.resolve("protections-" + cc + "-" + link + extra.size()), "protections.c", cc,
                link, extra);
    }
}
