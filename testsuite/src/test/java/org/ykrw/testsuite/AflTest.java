package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.ykrw.core.testutil.Tools;

/**
 * {@code instrument --afl} (issue 18) with AFL++'s own tools, unchanged: afl-showmap reads the map the
 * probes fill through the fork server, afl-fuzz fuzzes (plain and persistent), afl-tmin and afl-cmin
 * work on it, and a shared library instrumented on its own adds its edges to the program's map. The
 * target, aflparse.c, reads @@'s file and aborts on inputs starting with "FUZZ".
 */
class AflTest {
    /** What AFL++'s tools need on a machine set up for tests rather than for fuzzing. */
    private static final List<String> AFL_ENV = List.of("env", "AFL_SKIP_CPUFREQ=1",
            "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1", "AFL_NO_UI=1", "AFL_QUIET=1", "AFL_ALLOW_TMP=1");

    @TempDir
    Path dir;

    @BeforeAll
    static void aflIsInstalled() {
        Assumptions.assumeTrue(Tools.run(List.of("sh", "-c", "command -v afl-showmap")).exit() == 0,
                "afl++ is not installed (scripts/ensure-deps.sh test installs it)");
    }

    static Stream<Arguments> builds() {
        return TestCompiler.compilersAndLinks();
    }

    /** Alone (no fuzzer), the output prints and exits as the original does, strict mode on, stripped. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("builds")
    void runsAloneLikeTheOriginal(String cc, String link) throws Exception {
        Path bin = stripped(compile(cc, link));
        Path out = instrument(bin, "afl", "--strict");
        for (String input : List.of("", "hello (world)\n", "FU#12", "FUZZ")) {
            Path case_ = write("case", input);
            Tools.Result want = Tools.run(List.of(bin.toString(), case_.toString()), 60);
            Tools.Result got = Tools.run(List.of(out.toString(), case_.toString()), 60);
            assertEquals(want.exit(), got.exit(), input + ": " + got.stderr());
            assertEquals(want.stdout(), got.stdout(), input);
        }
    }

    /** Two rewrites of one input give the same map for one test case; another path gives another map. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("builds")
    void showmapIsStableAcrossRewritesAndFollowsThePath(String cc, String link) throws Exception {
        Path bin = stripped(compile(cc, link));
        Path first = instrument(bin, "first");
        Path second = instrument(bin, "second");
        assertTrue(Files.mismatch(first, second) == -1, "two rewrites of one input differ");
        Path a = write("a", "FU(()) 123\n");
        Path b = write("b", "zzz");
        Map<Integer, Integer> mapA = showmap(first, a);
        assertTrue(mapA.size() > 5, "too few edges: " + mapA);
        assertEquals(mapA, showmap(second, a));
        assertEquals(mapA, showmap(first, a), "one input, one map");
        assertNotEquals(mapA, showmap(first, b));
    }

    /**
     * Each thread has its own prev, as with AFL++'s own instrumentation: two threads calling their own
     * function by turns give the map they give one after the other (with one prev for both, taking turns
     * adds edges from one thread's function into the other's). Static too: its thread-local template
     * takes the runtime's bytes as a dynamic one does.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"gcc, pie", "clang, static"})
    void eachThreadHasItsOwnPrev(String cc, String link) throws Exception {
        Path bin = TestCompiler.compile(dir.resolve("aflthreads-" + cc + "-" + link), "aflthreads.c", cc, link,
                List.of("-O2", "-pthread"));
        Path target = instrument(bin, "threads-" + link, "--functions", "step.");
        // the program's argument, not a file: "turns" alternates the threads call by call
        Map<Integer, Integer> oneThenOther = showmap(target, Path.of("one-then-other"));
        assertTrue(oneThenOther.size() >= 2, "no edges of step0 and step1: " + oneThenOther);
        assertEquals(oneThenOther, showmap(target, Path.of("turns")));
    }

    /** afl-fuzz runs the target as it comes, with its fork server and, persistent, its loop. */
    @Test
    void aflFuzzFuzzesPlainAndPersistentTargets() throws Exception {
        Path bin = compile("gcc", "pie");
        Path plain = instrument(bin, "plain");
        Path persistent = instrument(bin, "persistent", "--afl-persistent", "parse");
        Path seeds = Files.createDirectories(dir.resolve("seeds"));
        Files.writeString(seeds.resolve("one"), "FU((x))\n");
        for (Path target : List.of(plain, persistent)) {
            Path findings = dir.resolve("findings-" + target.getFileName());
            Tools.Result r = afl("afl-fuzz", "-i", seeds.toString(), "-o", findings.toString(), "-V", "3", "--",
                    target.toString(), "@@");
            assertEquals(0, r.exit(), r.stdout() + r.stderr());
            Map<String, String> stats = stats(findings.resolve("default/fuzzer_stats"));
            assertTrue(Long.parseLong(stats.get("execs_done")) > 20, stats.toString());
            assertTrue(Integer.parseInt(stats.get("edges_found")) > 5, stats.toString());
            assertEquals(target == persistent, (r.stdout() + r.stderr()).contains("Persistent mode binary detected"),
                    r.stdout());
        }
    }

    /**
     * Persistent mode takes its test cases from AFL++'s shared memory (__AFL_SHM_FUZZ_ID), with the
     * target reading @@'s file or stdin: afl-fuzz accepts the offer (it then writes cases neither to the
     * file nor to stdin, so the loop can only see them there) and finds the planted crash, "FUZZ" at the
     * start, from a seed that has "FU".
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"@@", "stdin"})
    void persistentModeFindsTheCrashThroughSharedMemoryCases(String input) throws Exception {
        Path bin = compile("clang", "pie");
        Path persistent = instrument(stripped(bin), "shm-persistent", "--afl-persistent",
                "0x" + Long.toHexString(functionAddress(bin, "parse")));
        Path seeds = Files.createDirectories(dir.resolve("shm-seeds"));
        Files.writeString(seeds.resolve("one"), "FU((x))\n");
        Path findings = dir.resolve("shm-findings");
        List<String> command = new ArrayList<>(List.of("AFL_BENCH_UNTIL_CRASH=1", "afl-fuzz", "-i", seeds.toString(), "-o",
                findings.toString(), "-V", "60", "--", persistent.toString()));
        if (input.equals("@@")) {
            command.add("@@");
        }
        Tools.Result r = afl(command.toArray(String[]::new));
        String log = r.stdout() + r.stderr();
        assertEquals(0, r.exit(), log);
        assertTrue(log.contains("Persistent mode binary detected"), log);
        assertTrue(log.contains("Using SHARED MEMORY FUZZING feature"), log);
        List<String> crashes;
        try (Stream<Path> files = Files.list(findings.resolve("default/crashes"))) {
            crashes = files.filter(f -> f.getFileName().toString().startsWith("id:"))
                    .map(f -> readLatin1(f)).toList();
        }
        assertTrue(crashes.stream().anyMatch(c -> c.startsWith("FUZZ")), "no crash found: " + crashes + "\n" + log);
    }

    /**
     * afl-showmap on a directory runs a persistent target through its fork server with shared-memory
     * cases: one input gives one map whether it is a fresh child's first case (main read it from the
     * file the server wrote: the first input, and the one after a crash) or a later one of the loop
     * (the map is cleared where the loop starts, as AFL++'s own loop does), and another input another map.
     */
    @Test
    void showmapOfAPersistentTargetGivesOneMapPerInput() throws Exception {
        Path persistent = instrument(compile("gcc", "nopie"), "showmap-persistent", "--afl-persistent", "parse");
        Path inputs = Files.createDirectories(dir.resolve("showmap-in"));
        Files.writeString(inputs.resolve("1-a"), "FU(()) 123\n");
        Files.writeString(inputs.resolve("2-b"), "zzz#4");
        Files.writeString(inputs.resolve("3-a"), "FU(()) 123\n");
        Files.writeString(inputs.resolve("4-crash"), "FUZZ");
        Files.writeString(inputs.resolve("5-b"), "zzz#4");
        Path maps = dir.resolve("showmap-out");
        // afl-showmap puts its case file (@@) in its working directory
        Tools.Result r = aflIn(dir, "afl-showmap", "-i", inputs.toString(), "-o", maps.toString(), "--",
                persistent.toString(), "@@");
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
        assertTrue((r.stdout() + r.stderr()).contains("Using SHARED MEMORY FUZZING feature"), r.stdout() + r.stderr());
        Map<Integer, Integer> first = readMap(maps.resolve("1-a"));
        assertTrue(first.size() > 5, "too few edges: " + first);
        assertEquals(first, readMap(maps.resolve("3-a")), "one input, two maps");
        assertNotEquals(first, readMap(maps.resolve("2-b")));
        assertEquals(readMap(maps.resolve("2-b")), readMap(maps.resolve("5-b")), "a fresh child after a crash got another case");
    }

    /**
     * Two instances on one sync directory (-M and -S, as on two machines sharing it): the second,
     * started while the first runs and has found cases, reads them back (AFL_IMPORT_FIRST: it syncs
     * before fuzzing; a secondary syncs only from a main instance that is running).
     */
    @Test
    void aSecondInstanceImportsTheFirstOnesFindings() throws Exception {
        Path target = instrument(stripped(compile("gcc", "pie")), "synced");
        Path seeds = Files.createDirectories(dir.resolve("sync-seeds"));
        Files.writeString(seeds.resolve("one"), "a\n");
        Path sync = dir.resolve("sync");
        List<String> main = new ArrayList<>(AFL_ENV);
        main.addAll(List.of("afl-fuzz", "-M", "main", "-i", seeds.toString(), "-o", sync.toString(), "-V", "30", "--",
                target.toString(), "@@"));
        Process first = new ProcessBuilder(main).redirectErrorStream(true).redirectOutput(dir.resolve("main.log").toFile())
                .start();
        try {
            Path queue = sync.resolve("main/queue");
            for (int i = 0; i < 200 && queueSize(queue) < 3; i++) {
                Thread.sleep(100);
            }
            assertTrue(queueSize(queue) >= 3, "the main instance found nothing to share");
            Tools.Result r = afl("AFL_IMPORT_FIRST=1", "afl-fuzz", "-S", "second", "-i", seeds.toString(), "-o",
                    sync.toString(), "-V", "2", "--", target.toString(), "@@");
            assertEquals(0, r.exit(), r.stdout() + r.stderr());
            Map<String, String> stats = stats(sync.resolve("second/fuzzer_stats"));
            assertTrue(Integer.parseInt(stats.get("corpus_imported")) > 0, stats.toString());
        } finally {
            first.destroy();
            first.waitFor();
        }
    }

    private static long queueSize(Path queue) throws IOException {
        if (!Files.isDirectory(queue)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(queue)) {
            return files.filter(f -> f.getFileName().toString().startsWith("id:")).count();
        }
    }

    /** afl-tmin shrinks a crashing case to the four bytes that crash; afl-cmin keeps one case per path. */
    @Test
    void aflTminAndCminWorkOnIt() throws Exception {
        Path target = instrument(stripped(compile("clang", "nopie")), "tools");
        Path crash = write("crash", "FUZZ and a long tail that does not matter ((((");
        Path small = dir.resolve("small");
        Tools.Result t = afl("afl-tmin", "-i", crash.toString(), "-o", small.toString(), "--", target.toString(), "@@");
        assertEquals(0, t.exit(), t.stdout() + t.stderr());
        assertEquals("FUZZ", Files.readString(small));

        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        Files.writeString(corpus.resolve("a"), "abc");
        Files.writeString(corpus.resolve("b"), "abd");   // the same path as a
        Files.writeString(corpus.resolve("c"), "F(\n");
        Path kept = dir.resolve("kept");
        Tools.Result c = afl("afl-cmin", "-i", corpus.toString(), "-o", kept.toString(), "--", target.toString(), "@@");
        assertEquals(0, c.exit(), c.stdout() + c.stderr());
        try (Stream<Path> files = Files.list(kept)) {
            assertEquals(2, files.count(), c.stdout());
        }
    }

    /** A deferred fork server (--afl-entry) gives the same edges from its function on as a plain one. */
    @Test
    void deferredStartCountsTheSameEdgesOfTheParser() throws Exception {
        Path bin = compile("gcc", "pie");
        Path deferred = instrument(bin, "deferred", "--afl-entry", "parse", "--functions", "parse");
        Path plain = instrument(bin, "parser-only", "--functions", "parse");
        Path a = write("a", "FU(()) 123\n");
        assertEquals(showmap(plain, a), showmap(deferred, a));
        Tools.Result alone = Tools.run(List.of(deferred.toString(), a.toString()), 60);
        assertEquals(Tools.run(List.of(bin.toString(), a.toString()), 60).stdout(), alone.stdout());
    }

    /** A library instrumented apart from the program adds its own edges, which follow its input. */
    @Test
    void anInstrumentedLibraryAddsItsEdges() throws Exception {
        Path plainLib = dir.resolve("libafllib.so");
        Tools.output("gcc", "-O2", "-fPIC", "-shared", "-o", plainLib.toString(),
                ProgramMatrix.sources().resolve("afllib.c").toString());
        Path program = dir.resolve("aflparse-lib");
        Tools.output("gcc", "-O2", "-DWITH_LIB", "-o", program.toString(),
                ProgramMatrix.sources().resolve("aflparse.c").toString(), "-L" + dir, "-lafllib", "-Wl,-rpath,$ORIGIN/lib");
        Path withPlainLib = Files.createDirectories(dir.resolve("plain"));
        Path withAflLib = Files.createDirectories(dir.resolve("afl"));
        Files.createDirectories(withPlainLib.resolve("lib"));
        Files.createDirectories(withAflLib.resolve("lib"));
        Path target = instrument(program, "afl/aflparse");
        Files.copy(target, withPlainLib.resolve("aflparse"));
        Files.copy(plainLib, withPlainLib.resolve("lib/libafllib.so"));
        ok(YkrwJar.run("instrument", "--afl", plainLib.toString(), "-o", withAflLib.resolve("lib/libafllib.so").toString()));
        Path nested = write("nested", "((()))");
        Path flat = write("flat", "abcdef");   // no bracket, same length: the program takes the same path
        Map<Integer, Integer> programOnly = showmap(withPlainLib.resolve("aflparse"), nested);
        Map<Integer, Integer> both = showmap(target, nested);
        assertTrue(both.keySet().containsAll(programOnly.keySet()), "the library's probes hide the program's");
        assertTrue(both.size() > programOnly.size() + 3, "no edges of the library: " + both.size() + " vs " + programOnly.size());
        assertEquals(programOnly, showmap(withPlainLib.resolve("aflparse"), flat));
        assertNotEquals(both, showmap(target, flat), "the library's edges do not follow its input");
    }

    private Path compile(String cc, String link) throws IOException {
        Path bin = dir.resolve("aflparse-" + cc + "-" + link);
        return TestCompiler.compile(bin, "aflparse.c", cc, link, List.of("-O2"));
    }

    private Path stripped(Path bin) {
        Path out = Path.of(bin + "-stripped");
        Tools.output("strip", "-o", out.toString(), bin.toString());
        return out;
    }

    private Path instrument(Path bin, String name, String... options) throws IOException {
        Path out = dir.resolve(name);
        Files.createDirectories(out.getParent());
        List<String> args = new ArrayList<>(List.of("instrument", "--afl", bin.toString(), "-o", out.toString()));
        args.addAll(Arrays.asList(options));
        ok(YkrwJar.run(args.toArray(String[]::new)));
        return out;
    }

    private static void ok(Tools.Result r) {
        assertEquals(0, r.exit(), r.stderr());
    }

    private Path write(String name, String contents) throws IOException {
        return Files.writeString(dir.resolve(name), contents, StandardCharsets.ISO_8859_1);
    }

    private static Tools.Result afl(String... command) {
        List<String> cmd = new ArrayList<>(AFL_ENV);
        cmd.addAll(Arrays.asList(command));
        return Tools.run(cmd, 120);
    }

    /** Runs an AFL++ tool in directory {@code cwd} (env -C), not quiet: it says which fork-server features it uses. */
    private static Tools.Result aflIn(Path cwd, String... command) {
        List<String> cmd = new ArrayList<>(List.of("env", "-C", cwd.toString()));
        AFL_ENV.stream().skip(1).filter(v -> !v.startsWith("AFL_QUIET=")).forEach(cmd::add);
        cmd.addAll(Arrays.asList(command));
        return Tools.run(cmd, 120);
    }

    /** @return the address of function {@code name} in an unstripped {@code bin} (as --afl-persistent takes it) */
    private static long functionAddress(Path bin, String name) {
        String address = Tools.output("sh", "-c", "nm " + bin + " | awk '$3 == \"" + name + "\" {print $1}'").strip();
        return Long.parseUnsignedLong(address, 16);
    }

    private static String readLatin1(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** @return afl-showmap's map of one run: edge index -> AFL's bucketed count */
    private Map<Integer, Integer> showmap(Path target, Path input) throws IOException {
        Path map = dir.resolve("map.txt");
        Tools.Result r = afl("afl-showmap", "-o", map.toString(), "--", target.toString(), input.toString());
        assertTrue(r.exit() == 0 || r.exit() == 2, r.stdout() + r.stderr());   // 2: the target crashed
        return readMap(map);
    }

    /** @return a map afl-showmap wrote: edge index -> AFL's bucketed count */
    private static Map<Integer, Integer> readMap(Path map) throws IOException {
        Map<Integer, Integer> out = new TreeMap<>();
        for (String line : Files.readAllLines(map)) {
            String[] f = line.split(":");
            out.put(Integer.parseInt(f[0]), Integer.parseInt(f[1]));
        }
        return out;
    }

    private static Map<String, String> stats(Path file) throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (String line : Files.readAllLines(file)) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                out.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        return out;
    }
}
