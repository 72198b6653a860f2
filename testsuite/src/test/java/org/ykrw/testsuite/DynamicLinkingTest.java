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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.ykrw.core.testutil.Tools;
import org.ykrw.passes.instrument.BlockFilter;
import org.ykrw.passes.instrument.CoveragePass;
import org.ykrw.passes.instrument.TracePass;

/**
 * Outputs whose dynamic-linking tables ykrw edited: a tracer imported from a library the program
 * never mentioned (--trace-lib), ykrw_trace_enable/disable exported for dlsym and gdb (--toggle), and
 * shared libraries instrumented with their runtime started from DT_INIT. Every output passes
 * {@code readelf -a} without a warning and {@code ldd}.
 */
class DynamicLinkingTest {
    @TempDir
    Path dir;

    static Stream<Arguments> dynamicBuilds() {
        List<Arguments> cases = new ArrayList<>();
        for (String cc : List.of("gcc", "clang")) {
            for (String link : List.of("pie", "nopie")) {
                cases.add(Arguments.of(cc, link));
            }
        }
        cases.add(Arguments.of("gcc", "relr"));   // RELATIVE relocations packed in DT_RELR, left alone
        return cases.stream();
    }

    /**
     * counted.c does not mention yk_trace_basicblock; with --trace-lib libtracer.so every block calls
     * the library's, which prints its arguments: at least one line per tick() call, each a probe.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dynamicBuilds")
    void traceLibraryTracerIsCalledAtEveryBlock(String cc, String link) throws Exception {
        Path lib = compileLibrary("tracer.c", cc, "libtracer.so");
        Path bin = compile("counted.c", cc, link);
        TracePass pass = new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, false, false, "libtracer.so");
        InstrumentedRun r = InstrumentedRun.instrument(bin, pass, dir.resolve("out"))
                .run(Map.of("LD_LIBRARY_PATH", lib.getParent().toString()));
        assertEquals(0, r.exit, r.stderr);
        Pattern line = Pattern.compile("trace (\\d+) (\\d+)");
        long traced = 0;
        for (String l : r.stdout.split("\n")) {
            Matcher m = line.matcher(l);
            if (m.matches()) {
                int fn = Integer.parseInt(m.group(1));
                int bb = Integer.parseInt(m.group(2));
                assertTrue(pass.probes().keySet().stream().anyMatch(b -> b.function().index() == fn && b.index() == bb), l);
                traced++;
            }
        }
        assertTrue(r.stdout.endsWith("odd 500 sink 468944\n") || r.stdout.contains("odd 500 sink 468944\n"), r.stdout);
        assertTrue(traced > 2000, "blocks traced: " + traced);
        Tools.Result ldd = Tools.run(List.of("env", "LD_LIBRARY_PATH=" + lib.getParent(), "ldd", r.binary.toString()));
        assertEquals(0, ldd.exit(), ldd.stderr());
        assertTrue(ldd.stdout().contains("libtracer.so => " + lib), ldd.stdout());
        assertCleanReadelf(r.binary);
    }

    /** --trace-lib on a static binary: one line, status 2, no output file. */
    @Test
    void traceLibraryRefusesStaticInput() throws Exception {
        Path bin = compile("counted.c", "gcc", "static");
        Path out = dir.resolve("out");
        Tools.Result r = Tools.run(List.of("java", "-jar", BadInputTest.JAR.toString(), "instrument", "--trace",
                "--trace-lib", "libtracer.so", bin.toString(), "-o", out.toString()), 120);
        assertEquals(2, r.exit(), r.stderr());
        assertEquals(1, r.stderr().lines().count(), r.stderr());
        assertTrue(r.stderr().startsWith("ykrw: ") && r.stderr().contains("statically linked"), r.stderr());
        assertFalse(Files.exists(out));
    }

    /**
     * selftoggle.c looks its switches up with dlsym: the --toggle output exports them, so the program
     * traces work() only, with YKRW_TRACE unset (start off).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dynamicBuilds")
    void toggleExportsAreFoundByDlsym(String cc, String link) throws Exception {
        Path bin = compile("selftoggle.c", cc, link);
        assertEquals("exports missing\nwork 835\n", Tools.output(bin.toString()));
        TracePass pass = new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, true, false);
        InstrumentedRun r = InstrumentedRun.instrument(bin, pass, dir.resolve("out")).run(Map.of());
        assertEquals(0, r.exit, r.stderr);
        assertEquals("exports found\nwork 835\n", r.stdout);
        InstrumentedRun.Trace t = InstrumentedRun.Trace.read(r.files(".bin").get(0), r.binary);
        assertTrue(t.reserved() > 0, "work(100) traced");  // tracing starts off: only the program turned it on
        assertCleanReadelf(r.binary);
    }

    /**
     * gdb finds the exported switch and turns tracing on from outside: in .dynsym of a stripped output
     * (from printf's breakpoint: main has no symbol), in .symtab of an unstripped one (gdb then ignores
     * .dynsym), with the brief's {@code break main}. Without debug information gdb wants the cast.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"stripped", "unstripped"})
    void gdbCallsTheExportedSwitch(String kind) throws Exception {
        Assumptions.assumeTrue(Tools.run(List.of("sh", "-c", "command -v gdb")).exit() == 0, "gdb is not installed");
        Path bin = compile("counted.c", "gcc", "pie");
        boolean stripped = kind.equals("stripped");
        if (stripped) {
            Path s = dir.resolve("counted-stripped");
            Tools.output("strip", "-o", s.toString(), bin.toString());
            bin = s;
        }
        TracePass pass = new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, true, false);
        InstrumentedRun r = InstrumentedRun.instrument(bin, pass, dir.resolve("out")).run(Map.of());
        assertEquals(List.of(), r.files(".bin"), "off without gdb: no trace file (created when tracing starts)");
        List<String> where = stripped ? List.of("-ex", "starti", "-ex", "break printf", "-ex", "continue")
                : List.of("-ex", "break main", "-ex", "run");
        List<String> cmd = new ArrayList<>(List.of("env", "YKRW_TRACE_DIR=" + r.dir, "gdb", "-nx", "-batch"));
        cmd.addAll(where);
        cmd.addAll(List.of("-ex", "call (void)ykrw_trace_enable()", "-ex", "delete", "-ex", "continue",
                r.binary.toString()));
        Tools.Result g = Tools.run(cmd, 120);
        assertTrue(g.stdout().contains("odd 500 sink 468944"), g.stdout() + g.stderr());
        assertFalse(g.stderr().contains("No symbol"), g.stderr());
        long records = InstrumentedRun.Trace.read(r.files(".bin").get(0), r.binary).reserved();
        assertTrue(records > (stripped ? 0 : 2000), "blocks traced after the call: " + records);
    }

    /**
     * libykrwdemo (demolib.c) instrumented for coverage and for tracing: uselib prints what it
     * printed with the original library, and the library's own run file is written.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("libraryCases")
    void sharedLibraryRunsItsRuntimeFromInit(String cc, String mode) throws Exception {
        Path lib = compileLibrary("demolib.c", cc, "libykrwdemo.so");
        Path bin = dir.resolve("uselib");
        Tools.output(cc, "-O2", "-o", bin.toString(), ProgramMatrix.sources().resolve("uselib.c").toString(),
                "-L" + lib.getParent(), "-lykrwdemo");
        String expected = Files.readString(ProgramMatrix.sources().resolve("../expected/uselib.out").normalize());
        boolean trace = mode.equals("trace");
        InstrumentedRun r = InstrumentedRun.instrument(lib, trace
                ? new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, false, false)
                : new CoveragePass(CoveragePass.Mode.COVERAGE, BlockFilter.ALL), dir.resolve("out"));
        Tools.Result run = Tools.run(List.of("env", "LD_LIBRARY_PATH=" + r.dir, "YKRW_COVERAGE_DIR=" + r.dir,
                "YKRW_TRACE_DIR=" + r.dir, bin.toString()));
        assertEquals(0, run.exit(), run.stderr());
        assertEquals(expected, run.stdout());
        assertFalse(run.stderr().contains("ykrw runtime"), run.stderr());
        if (trace) {
            assertTrue(InstrumentedRun.Trace.read(r.files(".bin").get(0), r.binary).reserved() >= 2, "demo_scale, demo_apply");
        } else {
            List<Path> files = r.files(".ykcov");
            assertEquals(1, files.size(), files.toString());
            assertTrue(files.get(0).getFileName().toString().startsWith("libykrwdemo.so."), files.toString());
            long covered = java.util.Arrays.stream(InstrumentedRun.Coverage.read(files.get(0)).counters())
                    .filter(x -> x != 0).count();
            assertTrue(covered >= 2, "demo_scale and demo_apply ran: " + covered);
            byte[] header = Files.readAllBytes(files.get(0));
            String recorded = new String(header, 64, 448, java.nio.charset.StandardCharsets.UTF_8).replaceAll("\u0000.*", "");
            assertEquals(r.binary.toRealPath().toString(), recorded, "the run names the library, not the program");
        }
        assertCleanReadelf(r.binary);
    }

    static Stream<Arguments> libraryCases() {
        return Stream.of("gcc", "clang").flatMap(cc -> Stream.of(Arguments.of(cc, "coverage"), Arguments.of(cc, "trace")));
    }

    /**
     * Exports rebuild the hash tables: libtracer.so linked with each hash style, instrumented with
     * --trace --toggle (tracing off), still gives traced.c its yk_trace_basicblock (looked up through
     * the new tables), and exports the switches.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gnu", "sysv", "both"})
    void rebuiltHashTablesResolve(String style) throws Exception {
        Path libDir = dir.resolve("orig");
        Files.createDirectories(libDir);
        Path lib = libDir.resolve("libtracer.so");
        Tools.output("gcc", "-O2", "-shared", "-fPIC", "-Wl,--hash-style=" + style, "-Wl,-soname,libtracer.so", "-o",
                lib.toString(), ProgramMatrix.sources().resolve("tracer.c").toString());
        Path bin = dir.resolve("traced");
        Tools.output("gcc", "-O2", "-o", bin.toString(), ProgramMatrix.sources().resolve("traced.c").toString(),
                "-L" + libDir, "-ltracer");
        String original = Tools.output("env", "LD_LIBRARY_PATH=" + libDir, bin.toString());
        InstrumentedRun r = InstrumentedRun.instrument(lib,
                new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, true, false), dir.resolve("out"));
        assertEquals(original, Tools.output("env", "LD_LIBRARY_PATH=" + r.dir, "YKRW_TRACE_DIR=" + r.dir, bin.toString()));
        String nm = Tools.output("nm", "-D", "--defined-only", r.binary.toString());
        assertTrue(nm.contains(" T ykrw_trace_enable") && nm.contains(" T yk_trace_basicblock"), nm);
        assertCleanReadelf(r.binary);
    }

    /**
     * A library with no DT_RELA, DT_INIT or DT_NEEDED of its own (no start files, no data
     * relocations): --trace-lib adds all three tags, and the tracer is called from its blocks.
     */
    @Test
    void libraryWithoutRelocationsGetsTheTagsAdded() throws Exception {
        Path tracer = compileLibrary("tracer.c", "gcc", "libtracer.so");
        Path src = dir.resolve("plain.c");
        Files.writeString(src, "int plain_add(int x) { int s = 0; for (int i = 0; i < x; i++) s += i; return s; }\n");
        Path libDir = dir.resolve("plain");
        Files.createDirectories(libDir);
        Path lib = libDir.resolve("libplain.so");
        Tools.output("gcc", "-O0", "-shared", "-fPIC", "-nostartfiles", "-Wl,-soname,libplain.so", "-o", lib.toString(),
                src.toString());
        String tags = Tools.output("readelf", "-dW", lib.toString());
        assertFalse(tags.contains("(RELA)") || tags.contains("(INIT)") || tags.contains("(NEEDED)"), tags);
        Path use = dir.resolve("useplain.c");
        Files.writeString(use, "#include <stdio.h>\nint plain_add(int);\n"
                + "int main(void) { printf(\"%d\\n\", plain_add(10)); return 0; }\n");
        Path bin = dir.resolve("useplain");
        Tools.output("gcc", "-o", bin.toString(), use.toString(), "-L" + libDir, "-lplain");
        InstrumentedRun r = InstrumentedRun.instrument(lib,
                new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, false, false, "libtracer.so"), dir.resolve("out"));
        String out = Tools.output("env", "LD_LIBRARY_PATH=" + r.dir + ":" + tracer.getParent(), bin.toString());
        assertTrue(out.endsWith("45\n"), out);
        assertTrue(out.lines().filter(l -> l.startsWith("trace 0 ")).count() > 10, out);
        assertCleanReadelf(r.binary);
    }

    /** A copy of Debian's liblzma under xz: coverage of a real library, output byte for byte. */
    @Test
    void realLibraryCoverage() throws Exception {
        Path lzma = Path.of("/lib/x86_64-linux-gnu/liblzma.so.5");
        Assumptions.assumeTrue(Files.exists(lzma) && Files.exists(Path.of("/usr/bin/xz")), "no xz / liblzma");
        Path real = lzma.toRealPath();
        InstrumentedRun r = InstrumentedRun.instrument(real,
                new CoveragePass(CoveragePass.Mode.COVERAGE, BlockFilter.ALL), dir.resolve("out"));
        Files.move(r.binary, r.dir.resolve("liblzma.so.5"));
        Path input = dir.resolve("input");
        Files.write(input, java.util.Arrays.copyOf(Files.readAllBytes(Path.of("/usr/bin/xz")), 200_000));
        Tools.Result run = Tools.run(List.of("sh", "-c", "LD_LIBRARY_PATH=" + r.dir + " YKRW_COVERAGE_DIR=" + r.dir
                + " xz -c " + input + " | xz -dc | cmp - " + input));
        assertEquals(0, run.exit(), run.stdout() + run.stderr());
        List<Path> files = r.files(".ykcov");
        assertEquals(1, files.size(), files.toString());
        long covered = java.util.Arrays.stream(InstrumentedRun.Coverage.read(files.get(0)).counters())
                .filter(x -> x != 0).count();
        assertTrue(covered > 100, "blocks covered: " + covered);
        assertCleanReadelf(r.dir.resolve("liblzma.so.5"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gcc"})
    void readelfAgreesWithTheNewTables(String cc) throws Exception {
        Path lib = compileLibrary("tracer.c", cc, "libtracer.so");
        Path bin = compile("counted.c", cc, "pie");
        TracePass pass = new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, true, false, "libtracer.so");
        InstrumentedRun r = InstrumentedRun.instrument(bin, pass, dir.resolve("out"));
        String dynsym = Tools.output("readelf", "--dyn-syms", "-W", r.binary.toString());
        assertTrue(dynsym.contains(" UND yk_trace_basicblock"), dynsym);
        assertTrue(dynsym.matches("(?s).*FUNC +GLOBAL +DEFAULT +\\d+ ykrw_trace_enable.*"), dynsym);
        String relocs = Tools.output("readelf", "-rW", r.binary.toString());
        assertTrue(relocs.contains("R_X86_64_GLOB_DAT") && relocs.contains("yk_trace_basicblock"), relocs);
        String dynamic = Tools.output("readelf", "-dW", r.binary.toString());
        assertTrue(dynamic.contains("Shared library: [libtracer.so]"), dynamic);
        assertCleanReadelf(r.binary);
        assertTrue(lib.toFile().exists());
    }

    private static void assertCleanReadelf(Path file) {
        Tools.Result r = Tools.run(List.of("readelf", "-a", "-W", file.toString()));
        assertEquals(0, r.exit(), r.stderr());
        assertEquals("", r.stderr(), "readelf -a warnings");
    }

    private Path compileLibrary(String source, String cc, String name) throws IOException {
        Path libDir = dir.resolve("lib-" + cc);
        Files.createDirectories(libDir);
        Path lib = libDir.resolve(name);
        if (!Files.exists(lib)) {
            Tools.output(cc, "-O2", "-shared", "-fPIC", "-Wl,-soname," + name, "-o", lib.toString(),
                    ProgramMatrix.sources().resolve(source).toString());
        }
        return lib;
    }

    private Path compile(String source, String cc, String link) throws IOException {
        return TestCompiler.compile(dir.resolve(source.replace(".c", "") + "-" + cc + "-" + link), source, cc, link,
                List.of());
    }
}
