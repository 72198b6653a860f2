package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ykrw.core.testutil.Tools;
import org.ykrw.passes.instrument.BlockFilter;
import org.ykrw.passes.instrument.TracePass;

/**
 * Probes that call the tracing function directly, saving only the live registers it may change
 * (issue 14 part 1). gpr_tracer.c's tracer overwrites every caller-saved GPR and the flags; the
 * program keeps integers in registers across blocks and uses a leaf's red zone. Its output is the
 * original's only if each probe saved what it had to. The tracer is the program's own (its summary from
 * the program) or a --trace-lib library's (its summary from the library, lifted by the CLI).
 * TracerStubTest covers the other path: a tracer that touches vector and x87 state goes through the
 * stub that saves the extended state.
 */
class TracerDirectCallTest {
    @TempDir
    Path dir;

    private static final Pattern DIRECT = Pattern.compile("([\\d,]+) probes call it directly, ([\\d,]+) through the saving stub");
    private static final Pattern EARLY = Pattern.compile("slot ld.so fills, except (\\d+) in IFUNC resolvers");
    private static final String CLOBBERS = "may change rax rcx rdx rsi rdi r8 r9 r10 r11 flags, any stack alignment";

    @ParameterizedTest(name = "{0} {1} {2} strict={3}")
    @CsvSource({"gcc, -O2, pie, false", "clang, -O2, pie, false", "gcc, -O0, nopie, false", "clang, -O3, nopie, false",
            "gcc, -O2, static, false", "clang, -O2, pie, true"})
    void programTracerThatClobbersEveryCallerSavedRegisterChangesNothing(String cc, String opt, String link,
            boolean strict) throws Exception {
        Path bin = TestCompiler.compile(dir.resolve("gpr-" + cc + opt + link), "gpr_tracer.c", cc, link, List.of(opt));
        String original = Tools.run(List.of(bin.toString()), 60).stdout();
        assertTrue(original.endsWith("tracer called: no\n"), original);
        TracePass pass = new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, false, false);
        InstrumentedRun r = InstrumentedRun.instrument(bin, pass, dir.resolve("out-" + bin.getFileName()), strict)
                .run(Map.of());
        assertEquals(0, r.exit, r.stderr);
        assertEquals(original.replace("tracer called: no", "tracer called: yes"), r.stdout);
        String notes = String.join("\n", r.rewrite.passNotes());
        assertTrue(notes.contains("the tracer " + CLOBBERS), notes);
        Matcher m = DIRECT.matcher(notes);
        assertTrue(m.find(), notes);
        assertTrue(Integer.parseInt(m.group(1).replace(",", "")) > 10, notes);
        assertEquals("0", m.group(2), notes);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"gcc, pie", "clang, nopie"})
    void libraryTracerIsSummarisedFromTheLibrary(String cc, String link) throws Exception {
        Traced t = traceWithLibrary("gpr_tracer.c", cc, link, List.of("-DNO_TRACER"), false);
        assertTrue(t.notes().contains("yk_trace_basicblock of " + t.library() + " " + CLOBBERS), t.notes());
        assertEquals(Tools.output(t.original().toString()), Tools.output(t.output().toString()));
    }

    /**
     * An imported tracer is called through the slot ld.so fills, except from the program's IFUNC
     * resolver and what it calls: ld.so runs those before the library's initialiser, and
     * ifunc_trace.c's tracer traps when it is called that early. Stripped, so the resolver is known
     * only from its IRELATIVE relocation.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"gcc, pie", "clang, nopie"})
    void libraryTracerIsCalledThroughItsSlotButNotFromIfuncResolvers(String cc, String link) throws Exception {
        Traced t = traceWithLibrary("ifunc_trace.c", cc, link, List.of("-O2"), true);
        Matcher early = EARLY.matcher(t.notes());
        assertTrue(early.find(), t.notes());
        int waiting = Integer.parseInt(early.group(1));
        // the resolver and level(), its callee, whose loop has blocks of its own
        assertTrue(waiting >= 3 && waiting < t.direct() / 2, t.notes());
        Tools.Result run = Tools.run(List.of(t.output().toString()), 60);
        assertEquals(0, run.exit(), run.stderr());
        assertEquals(Tools.output(t.original().toString()), run.stdout());
        Matcher calls = Pattern.compile("tracer calls: (\\d+)").matcher(run.stderr());
        assertTrue(calls.find() && Long.parseLong(calls.group(1)) > 2000, run.stderr());
    }

    /** A program instrumented with --trace-lib: its notes and how many probes call the tracer directly. */
    private record Traced(Path library, Path original, Path output, String notes, int direct) {
    }

    /**
     * Builds {@code source}'s tracer as a library ({@code -DONLY_TRACER}) and the program with
     * {@code flags}, and instruments the program (stripped when asked) with {@code --trace-lib}; every
     * probe must call the tracer directly.
     */
    private Traced traceWithLibrary(String source, String cc, String link, List<String> flags, boolean strip)
            throws Exception {
        String name = source.replace(".c", "");
        Path lib = dir.resolve("lib" + name + "-" + cc + ".so");
        Tools.output(cc, "-O2", "-shared", "-fPIC", "-DONLY_TRACER", "-o", lib.toString(),
                ProgramMatrix.sources().resolve(source).toString());
        Path bin = TestCompiler.compile(dir.resolve(name + "-" + cc + link), source, cc, link, flags);
        Path input = bin;
        if (strip) {
            input = dir.resolve("stripped-" + bin.getFileName());
            Tools.output("strip", "-o", input.toString(), bin.toString());
        }
        Path out = dir.resolve("traced-" + bin.getFileName());
        Tools.Result r = Tools.run(List.of("java", "-jar", BadInputTest.JAR.toString(), "instrument", "--trace",
                "--trace-lib", lib.toString(), input.toString(), "-o", out.toString()), 120);
        assertEquals(0, r.exit(), r.stderr());
        Matcher direct = DIRECT.matcher(r.stderr());
        assertTrue(direct.find() && direct.group(2).equals("0"), r.stderr());
        return new Traced(lib, bin, out, r.stderr(), Integer.parseInt(direct.group(1).replace(",", "")));
    }

    /**
     * A program that imports the tracer itself (through its PLT, from gpr_tracer.c's -DONLY_TRACER
     * library, found through its RUNPATH): the CLI summarises the library that defines it, plus the
     * registers lazy binding may change, so every probe calls it saving only what is live, as with
     * --trace-lib. Its output is the original's only if each probe saved every live register the
     * tracer or the trampoline writes; strict mode, so a path into the old, unprobed code traps.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"gcc, pie", "clang, nopie"})
    void tracerImportedThroughThePltIsSummarisedFromItsLibrary(String cc, String link) throws Exception {
        Path lib = dir.resolve("libgprimport-" + cc + ".so");
        Tools.output(cc, "-O2", "-shared", "-fPIC", "-DONLY_TRACER", "-Wl,-soname," + lib.getFileName(), "-o", lib.toString(),
                ProgramMatrix.sources().resolve("gpr_tracer.c").toString());
        Path bin = TestCompiler.compile(dir.resolve("gpr-importing-" + cc + link), "gpr_tracer.c", cc, link,
                List.of("-DLIB_TRACER", lib.toString(), "-Wl,-rpath," + dir));
        String original = Tools.output(bin.toString());
        assertTrue(original.endsWith("tracer called: no\n"), original);
        Path out = dir.resolve("traced-" + bin.getFileName());
        Tools.Result r = Tools.run(List.of("java", "-jar", BadInputTest.JAR.toString(), "instrument", "--trace",
                "--strict", bin.toString(), "-o", out.toString()), 120);
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("yk_trace_basicblock of " + lib + ", imported through the PLT, may change rax rcx rdx"
                + " rsi rdi r8 r9 r10 r11 flags"), r.stderr());
        Matcher direct = DIRECT.matcher(r.stderr());
        assertTrue(direct.find() && direct.group(2).equals("0") && Integer.parseInt(direct.group(1).replace(",", "")) > 10,
                r.stderr());
        Tools.Result run = Tools.run(List.of(out.toString()), 60);
        assertEquals(0, run.exit(), run.stderr());
        assertEquals(original.replace("tracer called: no", "tracer called: yes"), run.stdout());
    }

    /** A --trace-lib the CLI cannot find here: the probes keep every caller-saved register, and say so. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"gcc"})
    void libraryNotFoundMeansUnknownCode(String cc) throws Exception {
        Path lib = dir.resolve("libgpr.so");
        Tools.output(cc, "-O2", "-shared", "-fPIC", "-DONLY_TRACER", "-Wl,-soname,libgpr.so", "-o", lib.toString(),
                ProgramMatrix.sources().resolve("gpr_tracer.c").toString());
        Path bin = TestCompiler.compile(dir.resolve("gpr-untraced-" + cc), "gpr_tracer.c", cc, "pie", List.of("-DNO_TRACER"));
        Path out = dir.resolve("traced");
        Tools.Result r = Tools.run(List.of("java", "-jar", BadInputTest.JAR.toString(), "instrument", "--trace",
                "--trace-lib", "libgpr-not-here.so", bin.toString(), "-o", out.toString()), 120);
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("libgpr-not-here.so not found here: probes keep every caller-saved register"),
                r.stderr());
        Files.copy(lib, dir.resolve("libgpr-not-here.so"));
        Tools.Result run = Tools.run(List.of("env", "LD_LIBRARY_PATH=" + dir, out.toString()), 60);
        assertEquals(0, run.exit(), run.stderr());
        assertEquals(Tools.output(bin.toString()), run.stdout());
    }
}
