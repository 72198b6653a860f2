package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.testutil.Tools;
import org.ykrw.passes.instrument.BlockFilter;
import org.ykrw.passes.instrument.CoveragePass;
import org.ykrw.passes.instrument.TracePass;

/**
 * Two runtime-using passes in one output ({@code instrument --counts --trace}, {@code --coverage
 * --trace}): one embedded runtime with a region for the counters and one for the trace, each mapped
 * from its own run file. Each output runs in strict mode, and what the combined output records must
 * equal what the two single-pass outputs record on the same run: the same counters, the same trace
 * records in the same order (the run directories have names of one length and the runs have no
 * address randomization, so all three take the same path), or in a static program, which walks its
 * own program headers, the same blocks.
 */
class CombinedPassesTest {
    @TempDir
    Path dir;

    static Stream<Arguments> programs() {
        return Stream.of(Arguments.of("switch", "gcc", "O2", "pie"), Arguments.of("cases", "clang", "O0", "nopie"),
                Arguments.of("control", "gcc", "O3", "static"), Arguments.of("exceptions", "clang", "O2", "pie"));
    }

    private static CoveragePass counts() {
        return new CoveragePass(CoveragePass.Mode.COUNTS, BlockFilter.ALL);
    }

    private static TracePass trace() {
        return new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, false, false);
    }

    private InstrumentedRun run(Path input, String name, List<Pass> passes) throws Exception {
        InstrumentedRun r = InstrumentedRun.instrument(input, passes, dir.resolve(name), true);
        r.runWithoutRandomization(Map.of()); // the three copies' directory names have one length
        assertEquals(0, r.exit, name + ": " + r.stderr);
        assertFalse(r.stderr.contains("ykrw runtime"), name + ": " + r.stderr);
        return r;
    }

    @ParameterizedTest(name = "{0}-{1}-{2}-{3}")
    @MethodSource("programs")
    void countsAndTheEmbeddedRecorderRecordWhatEachRecordsAlone(String program, String cc, String opt, String link)
            throws Exception {
        Variant v = ProgramMatrix.one(program, cc, opt, link);
        InstrumentedRun countsOnly = run(v.stripped(), "cnt", List.of(counts()));
        InstrumentedRun traceOnly = run(v.stripped(), "trc", List.of(trace()));
        InstrumentedRun both = run(v.stripped(), "two", List.of(counts(), trace()));
        assertEquals(ProgramMatrixTest.expected(v.program()), both.stdout, v + " output");
        assertEquals(1, both.files(".ykcov").size(), "one counter run file");
        assertEquals(1, both.files(".bin").size(), "one trace run file");
        long[] counters = InstrumentedRun.Coverage.read(both.files(".ykcov").get(0)).counters();
        long[] countersAlone = InstrumentedRun.Coverage.read(countsOnly.files(".ykcov").get(0)).counters();
        InstrumentedRun.Trace t = InstrumentedRun.Trace.read(both.files(".bin").get(0), both.binary);
        InstrumentedRun.Trace alone = InstrumentedRun.Trace.read(traceOnly.files(".bin").get(0), traceOnly.binary);
        assertTrue(t.reserved() > 10, "records: " + t.reserved());
        if (link.equals("static")) {
            // A static libc walks the output's own program headers (__libc_setup_tls looks for PT_TLS), and
            // the combined output has one segment more (the second region): that loop runs once more, so
            // only which blocks ran is the same.
            assertEquals(covered(countersAlone), covered(counters), "the blocks --counts alone saw run");
            assertEquals(traced(alone), traced(t), "the blocks --trace alone traced");
        } else {
            assertArrayEquals(countersAlone, counters, "the counters of --counts alone");
            assertEquals(alone.reserved(), t.reserved(), "as many trace records as --trace alone");
            assertArrayEquals(alone.records(), t.records(), "the trace of --trace alone");
        }
    }

    private static java.util.Set<Integer> covered(long[] counters) {
        java.util.Set<Integer> out = new java.util.TreeSet<>();
        for (int k = 0; k < counters.length; k++) {
            if (counters[k] != 0) {
                out.add(k);
            }
        }
        return out;
    }

    private static java.util.Set<List<Integer>> traced(InstrumentedRun.Trace t) {
        java.util.Set<List<Integer>> out = new java.util.HashSet<>();
        for (int[] r : t.records()) {
            out.add(List.of(r[0], r[1]));
        }
        return out;
    }

    /**
     * With the program's own tracer (examples/trace/trace.c prints each call), the trace goes through
     * the tracer and only the coverage pass has a region.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gcc", "clang"})
    void coverageAndTheProgramsTracer(String cc) throws Exception {
        Path bin = TestCompiler.compile(dir.resolve("trace-" + cc), "../../../../../examples/trace/trace.c", cc, "pie",
                List.of("-O2"));
        CoveragePass coverage = new CoveragePass(CoveragePass.Mode.COVERAGE, BlockFilter.ALL);
        InstrumentedRun coverageOnly = run(bin, "cov", List.of(coverage));
        InstrumentedRun traceOnly = run(bin, "trc", List.of(trace()));
        InstrumentedRun both = run(bin, "two", List.of(new CoveragePass(CoveragePass.Mode.COVERAGE, BlockFilter.ALL),
                trace()));
        assertEquals(traceOnly.stdout, both.stdout, "the tracer sees the calls it sees with --trace alone");
        assertTrue(both.stdout.lines().count() > 1000, "the tracer printed " + both.stdout.lines().count() + " lines");
        assertTrue(both.files(".bin").isEmpty(), "no embedded recorder: " + both.files(".bin"));
        assertArrayEquals(InstrumentedRun.Coverage.read(coverageOnly.files(".ykcov").get(0)).counters(),
                InstrumentedRun.Coverage.read(both.files(".ykcov").get(0)).counters(), "the coverage of --coverage alone");
    }

    /** The command line combines them; self-removing probes and toggled sleds would share the patch sites. */
    @Test
    void commandLine() throws Exception {
        Variant v = ProgramMatrix.one("switch", "gcc", "O2", "pie");
        Path out = dir.resolve("out");
        Tools.Result r = YkrwJar.run("instrument", "--coverage", "--trace", "--strict", v.binary().toString(), "-o",
                out.toString());
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("coverage: ") && r.stderr().contains("trace: "), r.stderr());
        Tools.Result twoCoverages = YkrwJar.run("instrument", "--coverage", "--counts", v.binary().toString(), "-o",
                out.toString());
        assertEquals(64, twoCoverages.exit(), twoCoverages.stderr());
        assertEquals(1, twoCoverages.stderr().strip().lines().count(), twoCoverages.stderr());
        Tools.Result sites = YkrwJar.run("instrument", "--once", "--trace", "--toggle", v.binary().toString(), "-o",
                out.toString());
        assertEquals(64, sites.exit(), sites.stderr());
        assertTrue(sites.stderr().contains("patch sites"), sites.stderr());
    }
}
