package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.V8EmbeddedBlob;
import org.ykrw.core.layout.FunctionPlacement;
import org.ykrw.core.testutil.Tools;
import org.ykrw.passes.instrument.BlockFilter;
import org.ykrw.passes.instrument.CoveragePass;

/**
 * Code a runtime finds by address stays where it is (issue 12, section 4), on v8blob.c, a stand-in for
 * a V8 embedder: its "runtime" calls builtins at the blob's start plus an offset and counts callbacks
 * whose return address lies in the blob. Rewritten and instrumented, strict or not (int3 over moved
 * functions' old code), every builtin must stay (reason
 * "found by address"), every byte of the blob must be as it was, and the program must print what the
 * original prints; with the builtins moved,
 * as before, the callbacks come from the new code and it exits 1. A V8 embedder whose blob cannot be
 * located (stripped) and Go programs are refused, by the CLI and by the library.
 */
class AddressKeyedCodeTest {
    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String cc : List.of("gcc", "clang")) {
            for (String link : List.of("pie", "nopie", "static")) {
                for (String mode : List.of("rewrite", "coverage", "rewrite strict", "coverage strict")) {
                    out.add(Arguments.of(cc, link, mode));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void builtinsStayAndTheRuntimeStillFindsThem(String cc, String link, String mode) throws Exception {
        Path bin = compile(cc, link);
        Tools.Result original = Tools.run(List.of(bin.toString()), 30);
        assertEquals(0, original.exit(), original.stdout());
        InstrumentedRun r = InstrumentedRun.instrument(bin,
                mode.startsWith("rewrite") ? null : new CoveragePass(CoveragePass.Mode.COVERAGE, BlockFilter.ALL),
                dir.resolve(mode.replace(' ', '-')), mode.endsWith("strict"));
        r.run(Map.of());
        assertEquals(original.stdout(), r.stdout, r.stderr);
        assertEquals(0, r.exit, r.stderr);
        int builtins = 0;
        for (FunctionPlacement p : r.rewrite.placements()) {
            String name = p.function().name();
            if (name.startsWith("Builtins_")) {
                builtins++;
                assertEquals("found by address", p.reason(), name);
            } else if (name.equals("main") || name.equals("callback")) {
                assertNull(p.reason(), name + " moves");
            }
        }
        assertEquals(2, builtins);
        // every byte of the blob stays as it was, its padding included (a tempting slot for short entries)
        ElfFile in = ElfFile.read(bin);
        V8EmbeddedBlob blob = V8EmbeddedBlob.locate(in).orElseThrow();
        int length = (int) (blob.codeEnd() - blob.codeStart());
        assertArrayEquals(in.bytesAt(blob.codeStart(), length), ElfFile.read(r.binary).bytesAt(blob.codeStart(), length));
        FunctionPlacement tiny = r.rewrite.placements().stream().filter(p -> p.function().name().equals("tiny"))
                .findFirst().orElseThrow();
        assertNull(tiny.reason(), "tiny moves (entered through a slot outside the blob)");
    }

    /** Without .symtab nothing says where the blob lies: the CLI and the library refuse to move code. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("compilers")
    void strippedEmbedderIsRefused(String cc) throws Exception {
        Path bin = compile(cc, "pie");
        Path stripped = dir.resolve("stripped-" + cc);
        Tools.output(List.of("strip", "-o", stripped.toString(), bin.toString()));
        for (List<String> command : List.of(List.of("rewrite"), List.of("instrument", "--coverage"))) {
            Path out = dir.resolve("out-" + command.size());
            List<String> args = new ArrayList<>(command);
            args.addAll(List.of(stripped.toString(), "-o", out.toString()));
            Tools.Result r = YkrwJar.run(args.toArray(String[]::new));
            assertRefused(r, "V8 embedder");
            assertFalse(Files.exists(out));
        }
        UnsupportedInputException e = assertThrows(UnsupportedInputException.class,
                () -> Rewriter.rewrite(ElfFile.read(stripped), LiftOptions.defaults()));
        assertTrue(e.getMessage().contains("V8 embedder"), e.getMessage());
    }

    static Stream<String> compilers() {
        return Stream.of("gcc", "clang");
    }

    /** Go programs stay refused: the Go runtime finds every function by address (.gopclntab). */
    @Test
    void goProgramIsRefused() throws Exception {
        Path go = Stream.of("/usr/bin/gcloud-crc32c", "/usr/bin/kubectl", "/usr/bin/kpt").map(Path::of)
                .filter(Files::isRegularFile).findFirst().orElse(null);
        assumeTrue(go != null, "no Go program here (gcloud-crc32c, kubectl, kpt: the Google Cloud SDK)");
        assertRefused(YkrwJar.run("rewrite", go.toString(), "-o", dir.resolve("go.out").toString()), "Go program");
        UnsupportedInputException e = assertThrows(UnsupportedInputException.class,
                () -> Rewriter.rewrite(ElfFile.read(go), LiftOptions.defaults()));
        assertTrue(e.getMessage().contains("Go program"), e.getMessage());
    }

    static void assertRefused(Tools.Result r, String why) {
        String[] lines = r.stderr().strip().split("\n");
        assertEquals(2, r.exit(), r.stderr());
        assertEquals(1, lines.length, r.stderr());
        assertTrue(lines[0].startsWith("ykrw: ") && lines[0].contains(why), lines[0]);
    }

    private Path compile(String cc, String link) throws IOException {
        return TestCompiler.compile(dir.resolve("v8blob-" + cc + "-" + link), "v8blob.c", cc, link, List.of("-rdynamic"));
    }
}
