package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.layout.FunctionPlacement;
import org.ykrw.core.testutil.Tools;
import org.ykrw.coverage.BlockMapReader;
import org.ykrw.coverage.CoverageData;
import org.ykrw.coverage.CoverageRun;
import org.ykrw.passes.instrument.BlockFilter;
import org.ykrw.passes.instrument.CoveragePass;
import org.ykrw.passes.optimize.BlockOrder;
import org.ykrw.passes.optimize.BlockProfile;
import org.ykrw.passes.optimize.OptimizePass;

/**
 * {@code ykrw optimize} (issue 17) on the program matrix, stripped: profile a run with `instrument
 * --counts`, lay the code out from it, and the output behaves as the original, with strict mode on (so
 * a block order that lost a path would trap) and the options the command uses (pointers to moved
 * functions retargeted), the C++ programs' exceptions caught through reordered and moved code (and
 * virtual calls through retargeted vtables) included. A profile of another build is refused in one line.
 */
class OptimizeTest {
    @TempDir
    Path dir;

    static Stream<Variant> matrix() {
        return ProgramMatrix.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrix")
    void optimizedCopyBehavesTheSame(Variant v) throws Exception {
        BlockProfile profile = profile(v);
        InstrumentedRun r = InstrumentedRun.instrument(v.stripped(), List.of(new OptimizePass(profile)), dir.resolve("optimized"),
                OptimizePass.rewriteOptions(true, false)).run(Map.of());
        assertEquals(0, r.exit, v + ": " + r.stderr);
        assertEquals(ProgramMatrixTest.expected(v.program()), r.stdout, v + " output");
        assertTrue(r.rewrite.passNotes().stream().anyMatch(l -> l.contains("functions ran")), r.rewrite.passNotes().toString());
    }

    static Stream<Variant> cppPrograms() {
        return ProgramMatrix.all().stream().filter(v -> ProgramMatrix.isCpp(v.program()));
    }

    /**
     * Hot/cold splitting with code that does run in the cold region: a profile that calls every other
     * block (in address order) never run puts half of what runs, throws, catches and cleans up among
     * the cold parts, far from its function's hot part, with both greedy and ext-TSP orders. Every
     * exception is still caught (strict mode: a path into old code traps).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cppPrograms")
    void exceptionsCrossHotAndColdParts(Variant v) throws Exception {
        BlockProfile full = profile(v);
        List<Long> ran = new ArrayList<>(full.counts().entrySet().stream().filter(e -> e.getValue() > 0)
                .map(Map.Entry::getKey).sorted().toList());
        Map<Long, Long> half = new java.util.HashMap<>();
        for (int i = 0; i < ran.size(); i += 2) {
            half.put(ran.get(i), full.counts().get(ran.get(i)));
        }
        for (BlockOrder order : BlockOrder.values()) {
            InstrumentedRun r = InstrumentedRun.instrument(v.stripped(), List.of(new OptimizePass(new BlockProfile(full.mapId(),
                    half), order, true, false, true)), dir.resolve("optimized-" + order.spelling()), OptimizePass.rewriteOptions(true, false))
                    .run(Map.of());
            assertEquals(0, r.exit, v + " " + order + ": " + r.stderr);
            assertEquals(ProgramMatrixTest.expected(v.program()), r.stdout, v + " " + order + " output");
            assertTrue(r.rewrite.passNotes().stream().anyMatch(l -> l.matches(".*split hot/cold in [1-9].*")),
                    r.rewrite.passNotes().toString());
        }
    }

    static Stream<Variant> oneOfEachLinkage() {
        return Stream.of(ProgramMatrix.one("control", "gcc", "O2", "pie"), ProgramMatrix.one("control", "clang", "O2", "nopie"),
                ProgramMatrix.one("unwinding", "gcc", "O2", "static"));
    }

    /**
     * A function that ran in no profile stays where it is, and every function that moves ran; with
     * {@code moveUnprofiled} they move too. Both copies behave as the original in strict mode (calls
     * between code that stays and code that moves reach the right code).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("oneOfEachLinkage")
    void functionsThatRanInNoProfileStay(Variant v) throws Exception {
        BlockProfile profile = profile(v);
        Map<Boolean, Long> relocated = new java.util.HashMap<>();
        for (boolean moveUnprofiled : new boolean[] {false, true}) {
            InstrumentedRun r = InstrumentedRun.instrument(v.stripped(), List.of(new OptimizePass(profile, BlockOrder.EXT_TSP,
                    true, moveUnprofiled, true)), dir.resolve("optimized-" + moveUnprofiled), OptimizePass.rewriteOptions(true, false))
                    .run(Map.of());
            assertEquals(0, r.exit, v + ": " + r.stderr);
            assertEquals(ProgramMatrixTest.expected(v.program()), r.stdout, v + " output");
            int kept = 0;
            for (FunctionPlacement p : r.rewrite.placements()) {
                boolean ran = p.function().blocks().stream().anyMatch(b -> profile.count(b) > 0);
                boolean keptByProfile = "ran in no profile".equals(p.reason());
                if (keptByProfile) {
                    assertTrue(!ran && !moveUnprofiled, p.function().name() + " kept although it ran");
                }
                if (p.relocated() && !moveUnprofiled) {
                    assertTrue(ran, p.function().name() + " moved but ran in no profile");
                }
                kept += keptByProfile ? 1 : 0;
            }
            if (moveUnprofiled) {
                assertEquals(0, kept, v + ": kept with moveUnprofiled");
            } else {
                String note = String.format("%,d that ran in no profile left in place", kept);
                assertTrue(kept > 0, v + ": every function ran?");
                assertTrue(r.rewrite.passNotes().stream().anyMatch(l -> l.contains(note)),
                        r.rewrite.passNotes().toString());
            }
            relocated.put(moveUnprofiled, r.rewrite.relocated());
        }
        assertTrue(relocated.get(true) > relocated.get(false), relocated.toString());
    }

    /**
     * Where pointers cannot follow moved functions (a position-dependent file), a function entered
     * mostly through them stays in place: pointers.c calls add, sub and mul a hundred times each through
     * its table, qsort's callback a few times. In a PIE the same functions move (their pointers are
     * retargeted). Strict mode: the outputs print what the original prints.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"gcc", "clang"})
    void functionsEnteredThroughPointersStayWherePointersCannotFollow(String cc) throws Exception {
        for (String link : new String[] {"nopie", "pie"}) {
            Path bin = TestCompiler.compile(dir.resolve("pointers-" + cc + "-" + link), "pointers.c", cc, link,
                    List.of("-O2", "-rdynamic"));
            boolean follow = link.equals("pie");
            InstrumentedRun r = InstrumentedRun.instrument(bin, List.of(new OptimizePass(profile(bin), BlockOrder.EXT_TSP, true,
                    follow, follow)), dir.resolve("optimized-" + cc + "-" + link), OptimizePass.rewriteOptions(true, false))
                    .run(Map.of());
            assertEquals(0, r.exit, link + ": " + r.stderr);
            assertEquals(Tools.run(List.of(bin.toString()), 60).stdout(), r.stdout, link);
            Map<String, String> why = new java.util.HashMap<>();
            r.rewrite.placements().forEach(p -> why.put(p.function().name(), String.valueOf(p.reason())));
            for (String name : List.of("add", "sub", "mul")) {
                assertEquals(follow ? "null" : "entered mostly through pointers, which keep its old entry", why.get(name),
                        link + " " + name);
            }
            assertEquals("null", why.get("by_value"), link);   // qsort called it a few times only
            assertEquals(!follow, r.rewrite.passNotes().stream().anyMatch(l -> l.matches(".*; [3-9] entered mostly through"
                    + " pointers left in place.*")), r.rewrite.passNotes().toString());
        }
    }

    /** @return the block counts of one `--counts` run of v's stripped copy */
    private BlockProfile profile(Variant v) throws Exception {
        return profile(v.stripped());
    }

    /** @return the block counts of one `--counts` run of a program */
    private BlockProfile profile(Path program) throws Exception {
        InstrumentedRun counted = InstrumentedRun.instrument(program, new CoveragePass(CoveragePass.Mode.COUNTS,
                BlockFilter.ALL), dir.resolve("counted-" + program.getFileName())).run(Map.of());
        assertEquals(0, counted.exit, counted.stderr);
        List<CoverageRun> runs = new ArrayList<>();
        for (Path f : counted.files(".ykcov")) {
            runs.add(CoverageRun.read(f));
        }
        BlockMap map = BlockMapReader.fromElf(ElfFile.read(counted.binary));
        return new BlockProfile(map.mapId(), CoverageData.merge(map, "counted", runs).countsByAddress());
    }

    /**
     * The hot path falls through: at least one function's blocks leave address order, and code differs;
     * the NOPs that aligned loops are left out.
     */
    @Test
    void aProfileChangesTheLayout() throws Exception {
        Variant v = ProgramMatrix.one("switch", "gcc", "O2", "pie");
        Path run = countsRun(v);
        Path optimized = dir.resolve("optimized");
        Path plain = dir.resolve("plain");
        Tools.Result r = YkrwJar.run("optimize", v.binary().toString(), "--profile", run.toString(), "-o", optimized.toString());
        ok(r);
        ok(YkrwJar.run("rewrite", v.binary().toString(), "-o", plain.toString()));
        assertTrue(r.stderr().matches("(?s).*blocks reordered \\(ext-tsp\\) in [1-9].*"), r.stderr());
        assertTrue(r.stderr().matches("(?s).*; [1-9][0-9,]* NOPs left out.*"), r.stderr());   // gcc's loop alignment
        assertNotEquals(-1L, Files.mismatch(plain, optimized));
    }

    /**
     * {@code --unprofiled}: by default functions that ran in no profile move; {@code stay} keeps them in
     * place; another word is a usage error. In a position-dependent executable the note also counts the
     * functions entered mostly through pointers, which stay there whatever the option.
     */
    @Test
    void unprofiledFunctionsMoveUnlessAskedToStay() throws Exception {
        for (String link : new String[] {"pie", "nopie"}) {
            Variant v = ProgramMatrix.one("control", "gcc", "O2", link);
            Path run = countsRun(v);
            for (String where : new String[] {null, "stay", "move"}) {
                Path out = dir.resolve("optimized-" + link + "-" + where);
                List<String> command = new ArrayList<>(List.of("optimize", v.binary().toString(), "--profile", run.toString(),
                        "-o", out.toString()));
                if (where != null) {
                    command.addAll(List.of("--unprofiled", where, "--report"));
                }
                Tools.Result r = YkrwJar.run(command.toArray(String[]::new));
                ok(r);
                // --report lists each function left in place with its reason; without it, the counts per reason
                assertEquals("stay".equals(where), r.stdout().matches("(?s)(.*\\n)?left in place: \\S+ at 0x[0-9a-f]+: ran in no"
                        + " profile\\n.*"), link + " " + where + ": " + r.stdout());
                assertEquals("stay".equals(where), r.stderr().matches("(?s).*ykrw:   [1-9][0-9]* left in place: ran in no profile\\n.*"),
                        r.stderr());
                assertEquals("stay".equals(where), r.stderr().matches("(?s).*; [1-9][0-9,]* that ran in no profile left in place.*"),
                        link + " " + where + ": " + r.stderr());
                assertEquals(link.equals("nopie"), r.stderr().contains(" entered mostly through pointers left in place"),
                        link + " " + where + ": " + r.stderr());
                Tools.Result ran = Tools.run(List.of(out.toString()), 60);
                assertEquals(0, ran.exit(), ran.stderr());
                assertEquals(ProgramMatrixTest.expected(v.program()), ran.stdout(), link + " " + where);
            }
            Files.delete(run);
        }
        Variant v = ProgramMatrix.one("control", "gcc", "O2", "pie");
        Tools.Result bad = YkrwJar.run("optimize", v.binary().toString(), "--profile", "x.ykcov", "--unprofiled", "elsewhere",
                "-o", dir.resolve("bad").toString());
        assertNotEquals(0, bad.exit());
        assertTrue(bad.stderr().contains("--unprofiled: move or stay"), bad.stderr());
    }

    /** Counts of another build do not describe this one's blocks: refused, one line, nothing written. */
    @Test
    void aProfileOfAnotherBuildIsRefused() throws Exception {
        Variant v = ProgramMatrix.one("switch", "gcc", "O2", "pie");
        Variant other = ProgramMatrix.one("switch", "clang", "O2", "pie");
        Path run = countsRun(other);
        Path out = dir.resolve("out");
        Tools.Result r = YkrwJar.run("optimize", v.binary().toString(), "--profile", run.toString(), "-o", out.toString());
        assertNotEquals(0, r.exit());
        assertTrue(r.stderr().contains("another build"), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
        assertTrue(Files.notExists(out));
    }

    /** @return the run file of one run of {@code v} instrumented with `instrument --counts` by the CLI */
    private Path countsRun(Variant v) throws IOException, InterruptedException {
        Path runs = Files.createDirectories(dir.resolve("runs"));
        Path counted = dir.resolve("counted");
        ok(YkrwJar.run("instrument", "--counts", v.binary().toString(), "-o", counted.toString()));
        run(counted, runs);
        try (Stream<Path> files = Files.list(runs)) {
            return files.findFirst().orElseThrow();
        }
    }

    private static void ok(Tools.Result r) {
        assertEquals(0, r.exit(), r.stderr());
    }

    /** Runs a program with its run files going to {@code runs}. */
    private static Tools.Result run(Path program, Path runs) throws IOException, InterruptedException {
        Path stdout = Files.createTempFile("ykrw-opt", ".out");
        Path stderr = Files.createTempFile("ykrw-opt", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(program.toString()).redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile()).redirectInput(new File("/dev/null"));
            pb.environment().put("YKRW_COVERAGE_DIR", runs.toString());
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + program);
            }
            return new Tools.Result(p.exitValue(), Files.readString(stdout, StandardCharsets.ISO_8859_1),
                    Files.readString(stderr, StandardCharsets.ISO_8859_1));
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }
}
