package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ykrw.core.testutil.Tools;
import org.ykrw.passes.instrument.BlockFilter;
import org.ykrw.passes.instrument.TracePass;

/**
 * The runtime's tracer stub (issue 12): what it saves around a call to the program's tracing function
 * depends on the CPU, so both facts are checked on whatever CPU runs the tests. The save area's size,
 * mask and instruction must be what CPUID says (a constant fails on every CPU whose numbers differ),
 * and a tracer that destroys every vector and x87 register, called at every block of a program that
 * keeps floating-point values live across blocks, must not change what the program computes nor
 * touch the frames above the stub.
 */
class TracerStubTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"gcc, pie", "clang, nopie", "gcc, static"})
    void saveAreaIsWhatCpuidSays(String cc, String link) throws Exception {
        Path probe = compile("cpuid_probe.c", "gcc", "pie");
        String expected = Tools.run(List.of(probe.toString()), 30).stdout();
        InstrumentedRun r = traced(compile("clobbering_tracer.c", cc, link)).run(Map.of("YKRW_RUNTIME_INFO", "1"));
        assertEquals(0, r.exit, r.stderr);
        String chosen = r.stderr.lines().filter(l -> l.startsWith("ykrw runtime: xsave "))
                .map(l -> l.substring("ykrw runtime: ".length()) + "\n").reduce("", String::concat);
        assertEquals(expected, chosen, "save area chosen by the runtime vs CPUID");
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({"gcc, -O2, pie", "clang, -O2, pie", "gcc, -O0, nopie", "clang, -O3, nopie"})
    void tracerThatClobbersEveryVectorRegisterChangesNothing(String cc, String opt, String link) throws Exception {
        Path bin = compile("clobbering_tracer.c", cc, link, opt);
        String original = Tools.run(List.of(bin.toString()), 60).stdout();
        assertTrue(original.contains("guard intact\ntracer called: no\n"), original);
        InstrumentedRun r = traced(bin).run(Map.of());
        assertEquals(0, r.exit, r.stderr);
        assertEquals(original.replace("tracer called: no", "tracer called: yes"), r.stdout);
    }

    private InstrumentedRun traced(Path bin) throws IOException {
        TracePass pass = new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, false, false);
        return InstrumentedRun.instrument(bin, pass, dir.resolve("out-" + bin.getFileName()));
    }

    private Path compile(String source, String cc, String link, String... extra) throws IOException {
        Path bin = dir.resolve(source.replace(".c", "") + "-" + cc + "-" + link + String.join("", extra));
        return TestCompiler.compile(bin, source, cc, link, List.of(extra));
    }
}
