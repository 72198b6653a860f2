package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ykrw.core.testutil.Tools;
import org.ykrw.passes.instrument.BlockFilter;
import org.ykrw.passes.instrument.TracePass;

/**
 * {@code instrument --trace --abi yk} (ykllvm's guarded probe, NOTES section 1) with the embedded
 * runtime's byte and wrapper: with the byte set (YKRW_TRACE=1) the trace is the one the args2 recorder
 * writes for the same run; with it clear nothing is recorded; the byte is per thread; a program that
 * defines the byte and the wrapper gets calls of its own wrapper.
 */
class YkAbiTest {
    private static final String YK_WRAPPER = "__yk_trace_basicblock_wrapper";
    @TempDir
    Path dir;

    /**
     * Static executables walk their program headers in libc's start-up, and the yk output has one more
     * (the thread-local template's segment), so their traces are compared from main's first block on.
     */
    @ParameterizedTest(name = "{0} {1} {2} {3} strict={4}")
    @CsvSource({"switch, gcc, O2, pie, false", "cases, clang, O2, pie, false", "control, gcc, O0, nopie, false",
        "control, clang, O3, static, false", "switch, gcc, O2, static, true", "cases, clang, O2, nopie, true"})
    void traceWithTheByteSetIsTheArgs2Trace(String program, String cc, String opt, String link, boolean strict)
            throws Exception {
        Variant v = ProgramMatrix.one(program, cc, opt, link);
        String original = Tools.run(List.of(v.binary().toString()), 60).stdout();
        Map<String, String> on = Map.of("YKRW_TRACE", "1");
        String yk = tracedRun(v.binary(), TracePass.Abi.YK, strict, on, original);
        String args2 = tracedRun(v.binary(), TracePass.Abi.ARGS2, strict, on, original);
        if (link.equals("static")) {
            yk = fromMain(yk);
            args2 = fromMain(args2);
        }
        assertTrue(args2.lines().count() > 10, args2);
        assertEquals(args2, yk);
        assertEquals("", tracedRun(v.binary(), TracePass.Abi.YK, strict, Map.of(), original), "byte clear: no run file");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"gcc, pie", "clang, nopie"})
    void onlyTheThreadThatEnablesTracingIsTraced(String cc, String link) throws Exception {
        Path bin = TestCompiler.compile(dir.resolve("ykthreads-" + cc + "-" + link), "ykthreads.c", cc, link, List.of());
        String original = Tools.run(List.of(bin.toString(), "enable"), 60).stdout();
        InstrumentedRun r = instrument(bin, TracePass.Abi.YK, false, "threads").run(Map.of(), "enable");
        assertEquals(0, r.exit, r.stderr);
        assertEquals(original, r.stdout);
        String functions = dumpFunctions(r);
        assertTrue(functions.contains("traced_work"), functions);
        assertTrue(functions.contains("tracing_thread"), functions);
        assertFalse(functions.contains("untraced_work"), functions);
        assertFalse(functions.contains("quiet_thread"), functions);
        assertFalse(functions.lines().anyMatch(l -> l.equals("main")), functions);
    }

    @Test
    void programsOwnByteAndWrapperAreUsed() throws Exception {
        Path bin = TestCompiler.compile(dir.resolve("ykguard"), "ykguard.c", "gcc", "pie", List.of());
        String original = Tools.run(List.of(bin.toString()), 60).stdout();
        InstrumentedRun r = instrument(bin, TracePass.Abi.YK, false, "own").run(Map.of());
        assertEquals(0, r.exit, r.stderr);
        assertTrue(r.rewrite.passNotes().stream().anyMatch(n -> n.contains("__yk_trace_basicblock_wrapper of the program")),
                r.rewrite.passNotes().toString());
        long calls = r.stdout.lines().filter(l -> l.startsWith("trace ")).count();
        long before = original.lines().filter(l -> l.startsWith("trace ")).count();
        assertTrue(calls > before, "the probes call the program's wrapper: " + calls + " vs " + before);
        assertEquals(original.lines().filter(l -> !l.startsWith("trace ")).toList(),
                r.stdout.lines().filter(l -> !l.startsWith("trace ")).toList());
        assertTrue(r.files(".bin").isEmpty(), "no embedded recorder");
    }

    /**
     * --trace-lib: the byte (an initial-exec import through an R_X86_64_TPOFF64 slot) and the wrapper
     * come from a library; its wrapper is called exactly for the blocks the embedded recorder records
     * when the same program switches tracing on around the same call.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"gcc, pie", "clang, nopie"})
    void byteAndWrapperFromTraceLibrary(String cc, String link) throws Exception {
        Path lib = dir.resolve("libyktrace.so");
        if (!Files.exists(lib)) {
            Tools.output("gcc", "-O2", "-shared", "-fPIC", "-o", lib.toString(),
                    ProgramMatrix.sources().resolve("yktracelib.c").toString());
        }
        Path bin = TestCompiler.compile(dir.resolve("ykuser-" + cc + "-" + link), "ykuser.c", cc, link, List.of());
        String original = Tools.run(List.of(bin.toString()), 60).stdout();
        TracePass viaLibrary = new TracePass(TracePass.Abi.YK, null, BlockFilter.ALL, false, false, lib.toString());
        InstrumentedRun r = InstrumentedRun.instrument(bin, viaLibrary, dir.resolve("lib-" + bin.getFileName())).run(Map.of());
        assertEquals(0, r.exit, r.stderr);
        assertTrue(Tools.output("readelf", "-rW", r.binary.toString()).contains("R_X86_64_TPOFF64"), "initial-exec import");
        String calls = r.stdout.lines().filter(l -> l.startsWith("wrapper calls ")).findFirst().orElseThrow();
        assertEquals(original + calls + "\n", r.stdout);
        InstrumentedRun embedded = instrument(bin, TracePass.Abi.YK, false, "embedded").run(Map.of());
        assertEquals(original, embedded.stdout);
        long records = InstrumentedRun.Trace.read(embedded.files(".bin").get(0), embedded.binary).records().length;
        assertTrue(records > 10, "work(100) was traced: " + records);
        assertEquals("wrapper calls " + records, calls);
    }

    /**
     * The wrapper is exported by yk's name from a dynamically linked output, so the tools made for
     * ykllvm output work on ykrw's: `patch --disable` turns it into a return, `strip` removes the calls,
     * their set-up and save, and the test of the byte; both outputs run like the original and record nothing even with the byte set.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"gcc, pie", "clang, nopie"})
    void stripAndDisableWorkOnTheOutput(String cc, String link) throws Exception {
        Variant v = ProgramMatrix.one("control", cc, "O2", link);
        String original = Tools.run(List.of(v.binary().toString()), 60).stdout();
        Path out = dir.resolve("control-yk-" + cc + "-" + link);
        Tools.Result made = YkrwJar.run("instrument", "--trace", "--abi", "yk", v.binary().toString(), "-o", out.toString());
        assertEquals(0, made.exit(), made.stderr());
        Path stripped = dir.resolve(out.getFileName() + ".stripped");
        Path disabled = dir.resolve(out.getFileName() + ".disabled");
        Tools.Result strip = YkrwJar.run("strip", out.toString(), "-o", stripped.toString());
        assertEquals(0, strip.exit(), strip.stderr());
        // the probe's own save of rdi and the red zone goes with the call, and then the byte's test
        assertTrue(strip.stderr().matches("(?s).*removed [1-9][0-9,]* call sites.* and [1-9][0-9,]* guarding tests.*"),
                strip.stderr());
        Tools.Result patch = YkrwJar.run("patch", out.toString(), "-o", disabled.toString(), "--disable", YK_WRAPPER);
        assertEquals(0, patch.exit(), patch.stderr());
        for (Path bin : List.of(stripped, disabled)) {
            Path runDir = Files.createDirectories(dir.resolve("run-" + bin.getFileName()));
            ProcessBuilder pb = new ProcessBuilder(bin.toString()).directory(runDir.toFile());
            pb.environment().put("YKRW_TRACE", "1");
            pb.environment().put("YKRW_TRACE_DIR", runDir.toString());
            Process p = pb.redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), output);
            assertEquals(original, output, bin.toString());
            try (var files = Files.list(runDir)) {
                for (Path f : files.toList()) {
                    assertEquals(0, InstrumentedRun.Trace.read(f, bin).records().length, f + " of " + bin);
                }
            }
        }
    }

    /** @return the run's trace as `trace dump` prints it (fn bb name+offset), or "" when it left no file */
    private String tracedRun(Path bin, TracePass.Abi abi, boolean strict, Map<String, String> env, String original)
            throws Exception {
        InstrumentedRun r = instrument(bin, abi, strict, env.isEmpty() ? "clear" : "set").run(env);
        assertEquals(0, r.exit, r.stderr);
        assertEquals(original, r.stdout);
        return r.files(".bin").isEmpty() ? "" : tracedDump(r);
    }

    private String dumpFunctions(InstrumentedRun r) throws IOException {
        String out = tracedDump(r);
        return out.lines().map(l -> l.split(" ")[2].replaceAll("[.+].*", "")).distinct().reduce("", (a, b) -> a + b + "\n");
    }

    private String tracedDump(InstrumentedRun r) throws IOException {
        List<Path> files = r.files(".bin");
        assertEquals(1, files.size(), files.toString());
        Tools.Result dump = YkrwJar.run("trace", "dump", files.get(0).toString(), "--binary", r.binary.toString());
        assertEquals(0, dump.exit(), dump.stderr());
        return dump.stdout();
    }

    private static String fromMain(String dump) {
        int at = dump.indexOf(" main+0x0\n");
        assertTrue(at >= 0, "main ran");
        return dump.substring(dump.lastIndexOf('\n', at) + 1);
    }

    private InstrumentedRun instrument(Path bin, TracePass.Abi abi, boolean strict, String label) throws IOException {
        TracePass pass = new TracePass(abi, null, BlockFilter.ALL, false, false);
        return InstrumentedRun.instrument(bin, pass, dir.resolve(abi + "-" + strict + "-" + label + "-" + bin.getFileName()),
                strict);
    }
}
