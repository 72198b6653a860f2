package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.coverage.BlockMapReader;
import org.ykrw.core.testutil.RunFiles;
import org.ykrw.core.testutil.Tools;

/**
 * Issue 5's reports end to end through the real jar, on programs/covered.c built with -O0 -g: the
 * source lines ykrw's lcov marks covered equal those gcov reports for the same source and input;
 * runs merge; every format is written; map discovery and bad runs give one-line errors. Issue 4's
 * {@code trace dump} on a trace run built from the spec.
 *
 * <p>The runs come from the program instrumented by {@code instrument --coverage} (through the real
 * jar), so the comparison with gcov covers the whole path: probes, runtime, run file, report.
 */
class CoverageReportTest {
    @TempDir
    static Path dir;

    static Path source;
    static Path binary;
    static BlockMap map;
    static Path mapJson;
    static Path instrumented;

    @BeforeAll
    static void build() throws IOException {
        source = ProgramMatrix.sources().resolve("covered.c");
        binary = dir.resolve("covered");
        Tools.output("gcc", "-O0", "-g", "-fno-pie", "-no-pie", "-o", binary.toString(), source.toString());
        instrumented = dir.resolve("covered.instrumented");
        mapJson = dir.resolve("covered.map.json");
        ok("instrument", "--coverage", binary.toString(), "-o", instrumented.toString(), "--map", mapJson.toString());
        map = BlockMapReader.read(instrumented);
        assertEquals(BlockMap.mapIdOf(Files.readAllBytes(binary)), map.mapId(), "the map names the input");
    }

    private static Tools.Result ykrw(String... args) {
        return YkrwJar.run(args);
    }

    private static Tools.Result ok(String... args) {
        Tools.Result r = ykrw(args);
        assertEquals(0, r.exit(), Arrays.toString(args) + ": " + r.stderr());
        return r;
    }

    /** Runs the instrumented program; its runtime writes the .ykcov run file this returns. */
    private static Path run(String name, String... args) throws IOException {
        Path runDir = Files.createDirectories(dir.resolve("run-" + name));
        List<String> cmd = new ArrayList<>(List.of("env", "YKRW_COVERAGE_DIR=" + runDir, instrumented.toString()));
        cmd.addAll(List.of(args));
        Tools.run(cmd, 60);
        try (var files = Files.list(runDir)) {
            List<Path> runs = files.toList();
            assertEquals(1, runs.size(), "one run file: " + runs);
            return Files.move(runs.get(0), dir.resolve(name + ".ykcov"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** @return lines of covered.c with a non-zero DA count in an lcov file */
    private static Set<Integer> lcovCovered(Path info) throws IOException {
        Set<Integer> out = new TreeSet<>();
        boolean inSource = false;
        for (String l : Files.readAllLines(info)) {
            if (l.startsWith("SF:")) {
                inSource = l.endsWith("/covered.c");
            } else if (inSource && l.startsWith("DA:") && !l.endsWith(",0")) {
                out.add(Integer.parseInt(l.substring(3, l.indexOf(','))));
            }
        }
        return out;
    }

    /** @return lines gcov reports as executed, for a --coverage build of the same source run with {@code args} */
    private static Set<Integer> gcovCovered(String name, String... args) throws IOException {
        Path d = Files.createDirectories(dir.resolve("gcov-" + name));
        String script = String.format("cd %s && gcc -O0 --coverage -c %s -o covered.o && gcc --coverage covered.o -o prog"
                + " && { ./prog %s >/dev/null 2>&1; true; } && gcov -t covered.c", d, source, String.join(" ", args));
        Set<Integer> out = new TreeSet<>();
        for (String l : Tools.output("sh", "-c", script).split("\n")) {
            String[] f = l.split(":", 3);
            if (f.length == 3 && f[0].trim().matches("\\d+\\*?") && !f[0].trim().startsWith("0")) {
                out.add(Integer.parseInt(f[1].trim()));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "covered {0}")
    @ValueSource(strings = {"banana 5", "sky 25", "stop 1", "x"})
    void coveredLinesEqualGcov(String input) throws IOException {
        String[] args = input.split(" ");
        String name = input.replace(' ', '-');
        Path run = run(name, args);
        Path info = dir.resolve(name + ".info");
        ok("coverage", "report", run.toString(), "--map", mapJson.toString(), "--format", "lcov", "-o", info.toString());
        assertSameAsGcov(info, gcovCovered(name, args));
    }

    /**
     * ykrw's covered lines equal gcov's executed lines, with the two differences that come from what
     * the binary can know: a line with no row in the line table (a {@code case} or {@code default}
     * label: at -O0 the jump goes straight to the statement after it) has no DA record at all, never
     * a zero; and a function's closing brace has a row for the epilogue, which gcov counts under the
     * return statement before it.
     */
    private static void assertSameAsGcov(Path info, Set<Integer> gcov) throws IOException {
        Set<Integer> ykrw = lcovCovered(info);
        Set<Integer> listed = lcovListed(info);
        List<String> text = Files.readAllLines(source);
        ykrw.removeIf(line -> text.get(line - 1).equals("}") && !gcov.contains(line));
        Set<Integer> gcovWithRows = new TreeSet<>(gcov);
        gcovWithRows.removeIf(line -> !listed.contains(line));
        assertEquals(gcovWithRows, ykrw);
        for (int line : gcov) {
            if (!listed.contains(line)) {
                assertTrue(text.get(line - 1).trim().matches("(case .*|default):.*"), "no row for line " + line + ": "
                        + text.get(line - 1));
            }
        }
        assertFalse(gcov.isEmpty());
    }

    /** @return lines of covered.c with a DA record, covered or not */
    private static Set<Integer> lcovListed(Path info) throws IOException {
        Set<Integer> out = new TreeSet<>();
        boolean inSource = false;
        for (String l : Files.readAllLines(info)) {
            if (l.startsWith("SF:")) {
                inSource = l.endsWith("/covered.c");
            } else if (inSource && l.startsWith("DA:")) {
                out.add(Integer.parseInt(l.substring(3, l.indexOf(','))));
            }
        }
        return out;
    }

    @Test
    void runsMergeAndEveryFormatIsWritten() throws IOException {
        Path a = run("merge-a", "banana", "5");
        Path b = run("merge-b", "sky", "25");
        Path info = dir.resolve("merged.info");
        ok("coverage", "report", a.toString(), b.toString(), "--merge", "--map", mapJson.toString(), "--format", "lcov",
                "-o", info.toString());
        Set<Integer> union = new TreeSet<>(gcovCovered("merge-a", "banana", "5"));
        union.addAll(gcovCovered("merge-b", "sky", "25"));
        assertSameAsGcov(info, union);
        Tools.Result genhtml = Tools.run(List.of("genhtml", "-q", "-o", dir.resolve("genhtml").toString(),
                info.toString()), 120);
        assertEquals(0, genhtml.exit(), genhtml.stderr());

        String textReport = ok("coverage", "report", a.toString(), b.toString(), "--merge", "--map",
                mapJson.toString()).stdout();
        assertTrue(textReport.contains("2 runs merged"), textReport);
        assertTrue(textReport.lines().anyMatch(l -> l.matches("\\s+\\d+\\s+\\d+\\s+100\\.0\\s+rare")), textReport);

        Path html = dir.resolve("report.html");
        ok("coverage", "report", a.toString(), "--map", mapJson.toString(), "--format", "html", "-o", html.toString());
        String page = Files.readString(html);
        assertTrue(page.contains("class=\"block covered\"") && page.contains("class=\"block uncovered\""));
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(html)));
        Path shot = Path.of("target/coverage-covered.png").toAbsolutePath();
        Tools.run(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--screenshot=" + shot, "--window-size=1200,1600", html.toUri().toString()), 120);

        Path drcov = dir.resolve("covered.drcov");
        ok("coverage", "report", a.toString(), "--map", mapJson.toString(), "--format", "drcov", "-o", drcov.toString());
        String head = new String(Files.readAllBytes(drcov), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(head.startsWith("DRCOV VERSION: 2\nDRCOV FLAVOR: drcov-64\nModule Table: version 2, count 1\n"), head);
        assertTrue(head.contains(" 0, 0x0000000000400000, "), "non-PIE module base");
    }

    /**
     * Issue 16: the HTML report read from the instrumented file shows the program's own instructions
     * for every block, the entry blocks of moved functions included (where the file now has a jump to
     * the moved code), i.e. exactly what the report decoded from the original shows.
     */
    @Test
    void htmlShowsTheOriginalInstructionsAtEveryEntry() throws IOException {
        Path run = run("html-entry", "banana", "5");
        Path fromInstrumented = dir.resolve("entry-instrumented.html");
        Path fromOriginal = dir.resolve("entry-original.html");
        ok("coverage", "report", run.toString(), "--binary", instrumented.toString(), "--format", "html",
                "-o", fromInstrumented.toString());
        ok("coverage", "report", run.toString(), "--map", mapJson.toString(), "--binary", binary.toString(),
                "--format", "html", "-o", fromOriginal.toString());
        String page = Files.readString(fromInstrumented);
        // main's first instruction as objdump decodes it from the original: push rbp at -O0
        String mainAt = Long.toHexString(map.functions().stream().filter(f -> f.name().equals("main"))
                .findFirst().orElseThrow().address());
        assertTrue(page.contains(mainAt + ": push rbp") || page.contains(mainAt + ": endbr64"),
                "main's entry as the program has it");
        assertEquals(Files.readString(fromOriginal), page, "the same code from the instrumented file as from the original");
    }

    /** @return the path column of a drcov file's one module */
    private static String drcovModulePath(Path drcov) throws IOException {
        String text = new String(Files.readAllBytes(drcov), java.nio.charset.StandardCharsets.ISO_8859_1);
        String row = text.lines().dropWhile(l -> !l.startsWith("Columns:")).skip(1).findFirst().orElseThrow();
        return row.split(", ", 5)[4];
    }

    /**
     * Issue 16: drcov names the file the run's addresses belong to, which exists, whatever the
     * instrumented copy is called: the recorded executable, or {@code --binary} as given.
     */
    @Test
    void drcovNamesTheFileThatRan() throws IOException {
        Path run = run("drcov-module", "banana", "5");
        Path recorded = dir.resolve("recorded.drcov");
        ok("coverage", "report", run.toString(), "--format", "drcov", "-o", recorded.toString());
        assertEquals(instrumented.toAbsolutePath().toString(), drcovModulePath(recorded));

        Path given = dir.resolve("given.drcov");
        ok("coverage", "report", run.toString(), "--map", mapJson.toString(), "--binary", binary.toString(),
                "--format", "drcov", "-o", given.toString());
        String path = drcovModulePath(given);
        assertEquals(binary.toAbsolutePath().toString(), path);
        assertTrue(Files.isRegularFile(Path.of(path)), path);
    }

    /**
     * Issue 16: lcov of a binary without DWARF (stripped) names pseudo-sources written beside the
     * tracefile, which genhtml renders as they are, run from the tracefile's directory or another.
     */
    @Test
    void lcovWithoutDwarfIsReadByGenhtmlAsItIs() throws IOException {
        Path stripped = dir.resolve("covered.stripped");
        Tools.output("strip", "-o", stripped.toString(), binary.toString());
        Path inst = dir.resolve("covered.stripped.inst");
        ok("instrument", "--coverage", stripped.toString(), "-o", inst.toString());
        Path runDir = Files.createDirectories(dir.resolve("run-stripped"));
        Tools.run(List.of("env", "YKRW_COVERAGE_DIR=" + runDir, inst.toString(), "banana", "5"), 60);
        Path run;
        try (var files = Files.list(runDir)) {
            run = files.findFirst().orElseThrow();
        }
        Path out = Files.createDirectories(dir.resolve("nodwarf"));
        Path info = out.resolve("cov.info");
        ok("coverage", "report", run.toString(), "--format", "lcov", "-o", info.toString());
        List<String> sources = Files.readAllLines(info).stream().filter(l -> l.startsWith("SF:"))
                .map(l -> l.substring(3)).toList();
        assertFalse(sources.isEmpty());
        for (String sf : sources) {
            assertTrue(sf.startsWith(out.resolve("cov.info.src") + "/") && Files.isRegularFile(Path.of(sf)), sf);
        }
        for (Path cwd : List.of(out, Path.of("/"))) {
            Path html = dir.resolve("nodwarf-html" + cwd.getNameCount());
            Tools.Result r = Tools.run(List.of("env", "-C", cwd.toString(), "genhtml", "-o", html.toString(),
                    info.toString()), 120);
            assertEquals(0, r.exit(), r.stderr());
            assertFalse(r.stderr().contains("WARNING") || r.stderr().contains("ERROR"), r.stderr());
        }
    }

    /**
     * Issue 16: a run file is named after the program that ran (here the instrumented file and a copy
     * of it under another name), not after the input given to instrument ("covered").
     */
    @Test
    void runFilesAreNamedAfterTheProgramThatRan() throws IOException {
        Path copy = dir.resolve("renamed-copy");
        Files.copy(instrumented, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        for (Path program : List.of(instrumented, copy)) {
            Path runDir = Files.createDirectories(dir.resolve("named-" + program.getFileName()));
            Tools.run(List.of("env", "YKRW_COVERAGE_DIR=" + runDir, program.toString(), "banana", "5"), 60);
            try (var files = Files.list(runDir)) {
                List<String> names = files.map(f -> f.getFileName().toString()).toList();
                assertEquals(1, names.size(), names.toString());
                assertTrue(names.get(0).matches(java.util.regex.Pattern.quote(program.getFileName().toString())
                        + "\\.\\d+\\.ykcov"), names.toString());
            }
        }
    }

    @Test
    void mapIsFoundThroughTheRecordedExecutable() throws IOException {
        // The run records the instrumented executable, which carries its map in .ykrw.map.
        Path run = run("found", "banana", "5");
        assertTrue(ok("coverage", "report", run.toString()).stdout().contains("coverage of covered"));
        long[] counters = new long[map.probeSlots()];
        counters[0] = 1;

        // The original binary recorded in the header has no map: the message says what to give.
        Path plainRun = dir.resolve("plain.ykcov");
        Files.write(plainRun, RunFiles.coverage(1, counters, 0, map.mapId(), 6, binary.toString(), new long[0][]));
        Tools.Result r = ykrw("coverage", "report", plainRun.toString());
        assertEquals(2, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("has no .ykrw.map section): give --map FILE.json or --binary BIN"), r.stderr());
        assertTrue(ok("coverage", "report", plainRun.toString(), "--binary", instrumented.toString()).stdout()
                .contains("covered"));
    }

    @Test
    void badRunsAreOneLineErrors() throws IOException {
        long[] counters = new long[map.probeSlots()];
        byte[] good = RunFiles.coverage(1, counters, 0, map.mapId(), 7, "", new long[0][]);
        Path cut = dir.resolve("cut.ykcov");
        Files.write(cut, Arrays.copyOf(good, 512 + map.probeSlots() - 1));  // one counter byte short
        Path other = dir.resolve("other.ykcov");
        Files.write(other, RunFiles.coverage(1, counters, 0, map.mapId() ^ 1, 7, "", new long[0][]));
        Path out = dir.resolve("never-written.txt");
        for (List<String> args : List.of(
                List.of("coverage", "report", cut.toString(), "--map", mapJson.toString(), "-o", out.toString()),
                List.of("coverage", "report", other.toString(), "--map", mapJson.toString(), "-o", out.toString()),
                List.of("coverage", "report", binary.toString(), "--map", mapJson.toString(), "-o", out.toString()),
                List.of("coverage", "report", cut.toString(), "--map", binary.toString(), "-o", out.toString()),
                List.of("trace", "dump", cut.toString()))) {
            Tools.Result r = ykrw(args.toArray(String[]::new));
            assertEquals(2, r.exit(), args + ": " + r.stderr());
            assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
            assertTrue(r.stderr().startsWith("ykrw: "), r.stderr());
            assertFalse(Files.exists(out));
        }
        Tools.Result twoRuns = ykrw("coverage", "report", other.toString(), other.toString(), "--map", mapJson.toString());
        assertEquals(64, twoRuns.exit(), twoRuns.stderr());
        assertTrue(twoRuns.stderr().contains("--merge"), twoRuns.stderr());
    }

    /**
     * Files a user may receive from elsewhere, made hostile (issue 13): sizes that claim more than the
     * file holds, a FIFO (which would block the open) and a device (which would fill the heap) where a
     * file belongs, names with control characters, a damaged .ykrw.map section. Each is one line, exit 2.
     */
    @Test
    void hostileFilesAreOneLineErrors() throws IOException {
        long[] counters = new long[map.probeSlots()];
        byte[] good = RunFiles.coverage(1, counters, 0, map.mapId(), 7, "", new long[0][]);
        Path huge = dir.resolve("huge.ykcov");
        Files.write(huge, java.nio.ByteBuffer.wrap(good.clone()).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putLong(16, 1L << 62).array());
        Path longHeader = dir.resolve("long-header.ykcov");
        Files.write(longHeader, java.nio.ByteBuffer.wrap(good.clone()).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putInt(8, Integer.MAX_VALUE).array());
        Path escape = dir.resolve("escape.ykcov");
        Files.write(escape, RunFiles.coverage(1, counters, 0, map.mapId(), 7, "/tmp/\u001b]0;owned\u0007", new long[0][]));
        Path fifo = dir.resolve("fifo.ykcov");
        Tools.output("mkfifo", fifo.toString());
        Path bigTrace = dir.resolve("ykrw-trace.9.bin");
        Files.write(bigTrace, java.nio.ByteBuffer.wrap(RunFiles.trace(1, 1, map.mapId(), 0, 9, new int[][] {{0, 0}}))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(16, 1L << 40).putLong(24, 1L << 40).array());
        Path newline = dir.resolve("newline.json");
        Files.writeString(newline, Files.readString(mapJson).replaceFirst("\"name\": ?\"", "$0SF:/etc/passwd\\\\n"));
        Path deep = dir.resolve("deep.json");
        Files.writeString(deep, "[".repeat(100_000));
        Path damaged = dir.resolve("damaged-map");
        Path garbage = Files.write(dir.resolve("garbage.zlib"), "x\u009c not zlib at all".getBytes(StandardCharsets.ISO_8859_1));
        Tools.output("objcopy", "--update-section", ".ykrw.map=" + garbage, instrumented.toString(), damaged.toString());
        Path farProbe = dir.resolve("far-probe.json");
        Files.writeString(farProbe, Files.readString(mapJson).replaceFirst("(\"blocks\": ?\\[\\[\\d+, ?\\d+, ?)\\d+", "$12147483646"));
        assertTrue(Files.readString(farProbe).contains(", 2147483646]"), "the far probe is in the map");
        Path sparse = dir.resolve("sparse.ykcov");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(sparse, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            // A billion 8-byte counters in a sparse file: a few blocks of disk, 8 GiB of length.
            ch.write(java.nio.ByteBuffer.wrap(RunFiles.coverage(8, new long[0], 0, map.mapId(), 7, "", new long[0][]))
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(16, 1L << 30));
            ch.write(java.nio.ByteBuffer.allocate(1), 512 + (8L << 30) - 1);
        }
        Path run = run("hostile", "banana", "5");
        Path out = dir.resolve("never-written.txt");
        for (List<String> args : List.of(
                List.of("coverage", "report", huge.toString(), "--map", mapJson.toString()),
                List.of("coverage", "report", longHeader.toString(), "--map", mapJson.toString()),
                List.of("coverage", "report", escape.toString()),
                List.of("coverage", "report", fifo.toString(), "--map", mapJson.toString()),
                List.of("trace", "dump", fifo.toString()),
                List.of("trace", "dump", bigTrace.toString()),
                List.of("coverage", "report", run.toString(), "--map", "/dev/zero", "-o", out.toString()),
                List.of("coverage", "report", run.toString(), "--binary", "/dev/zero"),
                List.of("coverage", "report", run.toString(), "--map", newline.toString(), "--format", "lcov"),
                List.of("coverage", "report", run.toString(), "--map", deep.toString()),
                List.of("coverage", "report", run.toString(), "--map", farProbe.toString()),
                List.of("coverage", "report", sparse.toString(), "--map", mapJson.toString()),
                List.of("coverage", "report", run.toString(), "--binary", damaged.toString()),
                List.of("trace", "dump", bigTrace.toString(), "--binary", damaged.toString()))) {
            Tools.Result r = ykrw(args.toArray(String[]::new));
            assertEquals(2, r.exit(), args + ": " + r.stderr());
            assertEquals(1, r.stderr().strip().lines().count(), args + ": " + r.stderr());
            assertTrue(r.stderr().startsWith("ykrw: ") && !r.stderr().contains("internal error"), args + ": " + r.stderr());
            assertFalse(r.stderr().chars().anyMatch(c -> c == 0x1b || c == 7), "an escape sequence reached stderr");
            assertFalse(Files.exists(out));
        }
    }

    /**
     * Issue 16: a trace run records the path of the program that ran, as a .ykcov run does, so
     * {@code trace dump} names the blocks without --binary or --map.
     */
    @Test
    void traceRunRecordsTheProgramSoDumpNamesBlocks() throws IOException {
        Path traced = dir.resolve("covered.traced");
        ok("instrument", "--trace", binary.toString(), "-o", traced.toString());
        Path runDir = Files.createDirectories(dir.resolve("trace-run"));
        Tools.Result ran = Tools.run(List.of("env", "YKRW_TRACE_DIR=" + runDir, traced.toString(), "banana", "5"), 60);
        assertEquals(0, ran.exit(), ran.stderr());
        Path run;
        try (var files = Files.list(runDir)) {
            run = files.findFirst().orElseThrow();
        }
        assertEquals(traced.toString(), org.ykrw.coverage.TraceRun.open(run).executable());
        Tools.Result dump = ok("trace", "dump", run.toString(), "--limit", "50");
        assertEquals("# thread 0", dump.stdout().lines().findFirst().orElseThrow(), dump.stdout());
        assertTrue(dump.stdout().lines().skip(1).allMatch(l -> l.matches("\\d+ \\d+ \\S+\\+0x[0-9a-f]+")),
                dump.stdout());
        assertTrue(dump.stdout().contains(" main+0x0\n"), dump.stdout());
        assertEquals(ok("trace", "dump", run.toString(), "--limit", "50", "--binary", traced.toString()).stdout(),
                dump.stdout(), "the same names as with --binary");

        // the program moved away: its successor table went with it, which one line says
        Path moved = dir.resolve("covered.traced.moved");
        Files.move(traced, moved);
        Tools.Result gone = ykrw("trace", "dump", run.toString(), "--limit", "5");
        assertEquals(2, gone.exit(), gone.stderr());
        assertTrue(gone.stderr().contains("is gone") && gone.stderr().contains("--binary"), gone.stderr());
        assertEquals(1, gone.stderr().strip().lines().count(), gone.stderr());
        assertEquals(ok("trace", "dump", run.toString(), "--limit", "50", "--binary", moved.toString()).stdout(),
                dump.stdout(), "--binary finds it");
    }

    /**
     * Issue 16: a --toggle build creates its trace file when tracing is first switched on; a run
     * that never traces leaves none (it used to leave a sparse file of the whole capacity).
     */
    @Test
    void toggledTraceFileIsCreatedOnlyWhenTracingStarts() throws IOException {
        Path toggled = dir.resolve("covered.toggled");
        ok("instrument", "--trace", "--toggle", binary.toString(), "-o", toggled.toString());
        for (String state : List.of("0", "1")) {
            Path runDir = Files.createDirectories(dir.resolve("toggle-" + state));
            Tools.Result ran = Tools.run(List.of("env", "YKRW_TRACE_DIR=" + runDir, "YKRW_TRACE=" + state,
                    toggled.toString(), "banana", "5"), 60);
            assertEquals(0, ran.exit(), ran.stderr());
            try (var files = Files.list(runDir)) {
                List<Path> runs = files.toList();
                if (state.equals("0")) {
                    assertEquals(List.of(), runs, "no tracing, no file");
                } else {
                    assertEquals(1, runs.size(), runs.toString());
                    assertTrue(org.ykrw.coverage.TraceRun.open(runs.get(0)).recordCount() > 0);
                    assertEquals(toggled.toString(), org.ykrw.coverage.TraceRun.open(runs.get(0)).executable());
                }
            }
        }
    }

    @Test
    void traceDumpNamesRecordsAndCountsDropped() throws IOException {
        BlockMap.MappedFunction main = map.functions().stream().filter(f -> f.name().equals("main")).findFirst()
                .orElseThrow();
        int[][] records = {{main.index(), 0}, {main.index(), 1}, {main.index(), 0}};
        Path trace = dir.resolve("ykrw-trace.77.bin");
        Files.write(trace, RunFiles.trace(5, 3, map.mapId(), 0, 77, records));
        Tools.Result r = ok("trace", "dump", trace.toString(), "--map", mapJson.toString());
        long second = main.blocks().get(1).address() - main.address();
        assertEquals(String.format("%1$d 0 main+0x0%n%1$d 1 main+0x%2$x%n%1$d 0 main+0x0%n", main.index(), second),
                r.stdout());
        assertTrue(r.stderr().contains("3 records, 2 dropped"), r.stderr());
        assertTrue(r.stderr().contains("--trace-capacity"), r.stderr());

        Tools.Result limited = ok("trace", "dump", trace.toString(), "--limit", "1");
        assertEquals(main.index() + " 0\n", limited.stdout());
        assertTrue(limited.stderr().contains("first 1 shown"), limited.stderr());

        Path foreign = dir.resolve("ykrw-trace.78.bin");
        Files.write(foreign, RunFiles.trace(1, 1, map.mapId(), 0, 78, new int[][] {{99999, 0}}));
        Tools.Result bad = ykrw("trace", "dump", foreign.toString(), "--map", mapJson.toString());
        assertEquals(2, bad.exit(), bad.stderr());
        assertTrue(bad.stderr().contains("record 0 is function 99999"), bad.stderr());
    }
}
