package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.testutil.Tools;
import org.ykrw.passes.instrument.BlockFilter;
import org.ykrw.passes.instrument.CoveragePass;
import org.ykrw.passes.instrument.TracePass;
import org.ykrw.passes.runtime.RunFiles;

/**
 * Issue 13: nobody can make an instrumented program clobber files through its run files. Run files
 * are created new (never through a planted link, never over an existing file, whose clash moves the
 * run to another name with one line on stderr), a path longer than the runtime takes is refused, not
 * cut, and a setuid program ignores the YKRW_* variables its caller sets, writing run files only where
 * {@code instrument --run-dir} said.
 *
 * <p>The pid of the instrumented process is known in advance by starting it from a shell that plants
 * the trap and then {@code exec}s the program: the shell's {@code $$} is the program's pid.
 */
class RunFileSafetyTest {
    private static final String PRECIOUS = "precious data\n";
    private static final String EXPECTED = "odd 500 sink 468944\n";
    /** The unprivileged user the setuid tests run as (nobody on Debian and most others). */
    private static final String NOBODY = "65534";

    @TempDir
    Path dir;

    static Stream<Arguments> programs() {
        return Stream.of(Arguments.of("gcc", "-O2", "pie", "coverage"), Arguments.of("clang", "-O0", "nopie", "counts"),
                Arguments.of("gcc", "-O2", "static", "coverage"), Arguments.of("gcc", "-O2", "pie", "trace"),
                Arguments.of("clang", "-O2", "static", "trace"));
    }

    /** The attack: a link at the run file's name to a file the program's user may write. */
    @ParameterizedTest(name = "{0} {1} {2} {3}")
    @MethodSource("programs")
    void plantedLinkIsNotFollowed(String cc, String opt, String link, String mode) throws Exception {
        InstrumentedRun r = InstrumentedRun.instrument(compile(cc, opt, link), pass(mode, RunFiles.DEFAULT), dir.resolve("run"));
        Path victim = Files.writeString(dir.resolve("victim"), PRECIOUS);
        String name = runFileName(r, mode, "$$");
        r.runCommand(Map.of(), List.of("sh", "-c", "ln -s " + victim + " " + name + " && exec " + r.binary));
        assertEquals(0, r.exit, r.stderr);
        assertEquals(EXPECTED, r.stdout);
        assertEquals(PRECIOUS, contents(victim), "the link's target was written through the link");
        List<Path> links = links(r.dir);
        assertEquals(1, links.size(), "the planted link stays: " + links);
        assertEquals(victim, Files.readSymbolicLink(links.get(0)));
        assertMovedAside(r, mode, links.get(0), 1);
    }

    /** An earlier process's run with the same pid (or any file at the name) is left as it is. */
    @ParameterizedTest(name = "{0} {1} {2} {3}")
    @MethodSource("programs")
    void existingFileIsLeftAlone(String cc, String opt, String link, String mode) throws Exception {
        InstrumentedRun r = InstrumentedRun.instrument(compile(cc, opt, link), pass(mode, RunFiles.DEFAULT), dir.resolve("run"));
        // The run's own name and its first other name are both taken: the run goes to the second.
        String name = runFileName(r, mode, "$$");
        String other = name.replace(".$$.", ".$$.1.");
        r.runCommand(Map.of(), List.of("sh", "-c", "printf 'precious data\\n' > " + name + " && printf 'precious data\\n' > "
                + other + " && exec " + r.binary));
        assertEquals(0, r.exit, r.stderr);
        assertEquals(EXPECTED, r.stdout);
        List<Path> earlier = new ArrayList<>();
        for (Path f : r.files(suffix(mode))) {
            if (Files.size(f) == PRECIOUS.length()) {
                earlier.add(f);
                assertEquals(PRECIOUS, contents(f), f + " was written over");
            }
        }
        assertEquals(2, earlier.size(), "both earlier files kept their size: " + r.files(suffix(mode)));
        // The run's own name is the shorter of the two.
        earlier.sort(java.util.Comparator.comparingInt(f -> f.getFileName().toString().length()));
        assertMovedAside(r, mode, earlier.get(0), 2);
    }

    /**
     * Checks the run went to NAME.PID.K.EXT beside {@code taken} (NAME.PID.EXT), holds a complete run,
     * and stderr said so in one line naming both.
     */
    private void assertMovedAside(InstrumentedRun r, String mode, Path taken, int k) throws IOException {
        String takenName = taken.getFileName().toString();
        String ext = suffix(mode);
        Path moved = taken.resolveSibling(takenName.substring(0, takenName.length() - ext.length()) + "." + k + ext);
        assertTrue(Files.isRegularFile(moved, LinkOption.NOFOLLOW_LINKS), moved + " holds the run; files: " + r.files(ext));
        if (mode.equals("trace")) {
            assertTrue(InstrumentedRun.Trace.read(moved, r.binary).reserved() > 1000, "the moved trace is complete");
        } else {
            long covered = java.util.Arrays.stream(InstrumentedRun.Coverage.read(moved).counters()).filter(c -> c != 0).count();
            assertTrue(covered > 3, "the moved run is complete: " + covered + " blocks covered");
        }
        List<String> lines = r.stderr.lines().toList();
        assertEquals(1, lines.size(), "one line on stderr: " + r.stderr);
        assertTrue(lines.get(0).contains(takenName) && lines.get(0).contains(moved.getFileName().toString())
                && lines.get(0).contains("exists"), lines.get(0));
    }

    /**
     * Forked children create their files by the same rules (the runtime's pthread_atfork handler). In a
     * pid namespace of its own the program is pid 1 and its children get small, known pids: links
     * planted at pids 2 to 9 catch every child.
     */
    @Test
    void forkedChildrenDoNotFollowPlantedLinks() throws Exception {
        Tools.Result probe = Tools.run(List.of("unshare", "--pid", "--fork", "true"));
        Assumptions.assumeTrue(probe.exit() == 0, "cannot make a pid namespace: " + probe.stderr().strip());
        Path bin = dir.resolve("forker");
        Tools.output("gcc", "-O2", "-o", bin.toString(), ProgramMatrix.sources().resolve("forker.c").normalize().toString());
        InstrumentedRun r = InstrumentedRun.instrument(bin, pass("counts", RunFiles.DEFAULT), dir.resolve("run"));
        Path victim = Files.writeString(dir.resolve("victim"), PRECIOUS);
        for (int pid = 2; pid <= 9; pid++) {
            Files.createSymbolicLink(r.dir.resolve("forker." + pid + ".ykcov"), victim);
        }
        r.runCommand(Map.of(), List.of("unshare", "--pid", "--fork", r.binary.toString()));
        assertEquals(0, r.exit, r.stderr);
        assertEquals("done 45\n", r.stdout);
        assertEquals(PRECIOUS, contents(victim), "a child wrote through a planted link");
        List<Path> moved = r.files(".ykcov").stream().filter(f -> f.getFileName().toString().matches("forker\\.\\d+\\.1\\.ykcov"))
                .toList();
        assertEquals(3, moved.size(), "each child's run moved aside: " + r.files(".ykcov"));
        assertEquals(3, r.stderr.lines().filter(l -> l.contains("exists, left alone")).count(), r.stderr);
        assertTrue(Files.isRegularFile(r.dir.resolve("forker.1.ykcov"), LinkOption.NOFOLLOW_LINKS), "the parent's run");
    }

    /**
     * A directory name that fills the runtime's path buffer, ending in the name of a file: a runtime
     * that cuts the path where its buffer ends opens (and truncates) that file instead of a run file.
     */
    @Test
    void overlongDirectoryIsRefusedNotCut() throws Exception {
        InstrumentedRun r = InstrumentedRun.instrument(compile("gcc", "-O2", "pie"), pass("coverage", RunFiles.DEFAULT), dir.resolve("run"));
        Path victim = Files.writeString(dir.resolve("victim"), PRECIOUS);
        String parent = dir.toString();
        // 1023 bytes: the buffer is 1024 with its NUL; repeated slashes name the same directory.
        String overlong = parent + "/".repeat(1023 - parent.length() - "victim".length()) + "victim";
        r.run(Map.of("YKRW_COVERAGE_DIR", overlong));
        assertEquals(0, r.exit, r.stderr);
        assertEquals(EXPECTED, r.stdout);
        assertEquals(PRECIOUS, contents(victim), "the cut path was opened");
        assertEquals(List.of(), r.files(".ykcov"));
        assertEquals(1, r.stderr.lines().count(), r.stderr);
        assertTrue(r.stderr.contains("no run file") && r.stderr.contains("longer"), r.stderr);
    }

    /**
     * An executable path longer than the run's 448-byte path field: the run names no executable
     * rather than a cut path (another file, which coverage report would read as the program).
     */
    @Test
    void overlongExecutablePathIsLeftOutNotCut() throws Exception {
        Path deep = dir;
        while (deep.toString().length() < 600) {
            deep = deep.resolve("a-directory-with-a-long-name");
        }
        InstrumentedRun r = InstrumentedRun.instrument(compile("gcc", "-O2", "pie"), pass("coverage", RunFiles.DEFAULT), deep)
                .run(Map.of());
        assertEquals(0, r.exit, r.stderr);
        assertEquals(EXPECTED, r.stdout);
        byte[] run = Files.readAllBytes(r.files(".ykcov").get(0));
        assertEquals(0, run[64], "the header names a cut path: " + new String(run, 64, 448, StandardCharsets.ISO_8859_1).trim());
    }

    /**
     * instrument --run-dir and --run-mode through the CLI: the directory is the default place (the
     * variable still wins outside a secure process), the mode is the file's; bad values are one line.
     */
    @Test
    void runDirAndModeThroughTheCli() throws Exception {
        Path bin = compile("gcc", "-O2", "pie");
        Path runDir = Files.createDirectories(dir.resolve("cli-runs"));
        Path cwd = Files.createDirectories(dir.resolve("cli-cwd"));
        Path out = cwd.resolve("prog");
        Tools.Result made = YkrwJar.run("instrument", "--counts", bin.toString(), "-o", out.toString(), "--run-dir", runDir.toString(),
                "--run-mode", "0640");
        assertEquals(0, made.exit(), made.stderr());
        Tools.Result ran = Tools.run(List.of("env", "-u", "YKRW_COVERAGE_DIR", "sh", "-c", "cd " + cwd + " && umask 022 && exec ./prog"));
        assertEquals(EXPECTED, ran.stdout(), ran.stderr());
        List<Path> runs = list(runDir);
        assertEquals(1, runs.size(), "the run is in --run-dir: " + runs + ", " + list(cwd));
        assertEquals(PosixFilePermissions.fromString("rw-r-----"), Files.getPosixFilePermissions(runs.get(0)));
        Path elsewhere = Files.createDirectories(dir.resolve("cli-env"));
        ran = Tools.run(List.of("env", "YKRW_COVERAGE_DIR=" + elsewhere, out.toString()));
        assertEquals(EXPECTED, ran.stdout(), ran.stderr());
        assertEquals(1, list(elsewhere).size(), "YKRW_COVERAGE_DIR overrides --run-dir in an ordinary process");

        for (List<String> bad : List.of(List.of("--run-dir", "relative/dir"), List.of("--run-dir", "/" + "d".repeat(600)),
                List.of("--run-mode", "0999"), List.of("--run-mode", "rw-r--r--"), List.of("--run-mode", "0"))) {
            List<String> args = new ArrayList<>(List.of("instrument", "--coverage", bin.toString(), "-o", dir.resolve("never").toString()));
            args.addAll(bad);
            Tools.Result r = YkrwJar.run(args.toArray(String[]::new));
            assertEquals(64, r.exit(), bad + ": " + r.stderr());
            assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
            assertFalse(Files.exists(dir.resolve("never")));
        }
    }

    /** Run files are private to their user unless instrument --run-mode says otherwise. */
    @Test
    void runFilesAreCreatedPrivate() throws Exception {
        Path bin = compile("gcc", "-O2", "pie");
        InstrumentedRun r = InstrumentedRun.instrument(bin, pass("counts", RunFiles.DEFAULT), dir.resolve("private")).run(Map.of());
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(r.files(".ykcov").get(0)));
        r = InstrumentedRun.instrument(bin, pass("trace", new RunFiles(null, 0640)), dir.resolve("shared")).run(Map.of());
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(r.files(".bin").get(0));
        assertTrue(p.contains(PosixFilePermission.GROUP_READ) && !p.contains(PosixFilePermission.OTHERS_READ), p.toString());
    }

    /**
     * A setuid-root copy run by an ordinary user who points YKRW_COVERAGE_DIR at a directory of his:
     * without --run-dir the runtime writes no run file (and says so once); with it, the file goes there
     * and nowhere else.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("setuidPrograms")
    void setuidProgramIgnoresTheEnvironment(String cc, String opt, String link) throws Exception {
        assumeSetuidCanBeTested();
        Path bin = compile(cc, opt, link);
        Path elsewhere = writableByAll(dir.resolve("elsewhere"));
        Path runDir = openDirectory(dir.resolve("rundir"));

        InstrumentedRun none = setuidCopy(InstrumentedRun.instrument(bin, pass("coverage", RunFiles.DEFAULT), openDirectory(dir.resolve("none"))));
        asNobody(none, Map.of("YKRW_COVERAGE_DIR", elsewhere.toString()));
        assertEquals(0, none.exit, none.stderr);
        assertEquals(EXPECTED, none.stdout);
        assertEquals(List.of(), list(elsewhere), "YKRW_COVERAGE_DIR was obeyed");
        assertEquals(List.of(), none.files(".ykcov"));
        assertEquals(1, none.stderr.lines().count(), none.stderr);
        assertTrue(none.stderr.contains("--run-dir"), none.stderr);

        InstrumentedRun given = setuidCopy(InstrumentedRun.instrument(bin, pass("coverage", new RunFiles(runDir.toString(), 0)),
                openDirectory(dir.resolve("given"))));
        asNobody(given, Map.of("YKRW_COVERAGE_DIR", elsewhere.toString()));
        assertEquals(0, given.exit, given.stderr);
        assertEquals(EXPECTED, given.stdout);
        assertEquals("", given.stderr);
        assertEquals(List.of(), list(elsewhere), "YKRW_COVERAGE_DIR was obeyed");
        assertEquals(1, list(runDir).size(), "the run is in --run-dir: " + list(runDir));
    }

    static Stream<Arguments> setuidPrograms() {
        return Stream.of(Arguments.of("gcc", "-O2", "pie"), Arguments.of("clang", "-O0", "static"));
    }

    /** YKRW_TRACE and YKRW_TRACE_DIR are ignored as well: a toggled build keeps its start state. */
    @Test
    void setuidProgramIgnoresTraceVariables() throws Exception {
        assumeSetuidCanBeTested();
        Path elsewhere = writableByAll(dir.resolve("elsewhere"));
        Path runDir = openDirectory(dir.resolve("rundir"));
        Pass pass = new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, true, false)
                .withRunFiles(new RunFiles(runDir.toString(), 0));
        InstrumentedRun r = setuidCopy(InstrumentedRun.instrument(compile("gcc", "-O2", "pie"), pass, openDirectory(dir.resolve("run"))));
        asNobody(r, Map.of("YKRW_TRACE", "1", "YKRW_TRACE_DIR", elsewhere.toString(), "YKRW_TRACE_FLIP_SIGNAL", "0"));
        assertEquals(0, r.exit, r.stderr);
        assertEquals(EXPECTED, r.stdout);
        assertEquals("", r.stderr, "YKRW_TRACE_FLIP_SIGNAL=0 was read (it is refused with a line)");
        assertEquals(List.of(), list(elsewhere), "YKRW_TRACE_DIR was obeyed");
        // A toggled build creates its trace file when tracing starts (issue 16): none, since it never did.
        assertEquals(List.of(), list(runDir), "YKRW_TRACE=1 turned tracing on");
    }

    /** The program keeps running, with one line on stderr, where it cannot create its run file. */
    @Test
    void unwritableDirectoryLeavesTheProgramRunning() throws Exception {
        assumeSetuidCanBeTested();
        InstrumentedRun r = InstrumentedRun.instrument(compile("gcc", "-O2", "pie"), pass("coverage", RunFiles.DEFAULT),
                openDirectory(dir.resolve("run")));
        Files.setPosixFilePermissions(r.binary, PosixFilePermissions.fromString("rwxr-xr-x"));
        asNobody(r, Map.of());
        assertEquals(0, r.exit, r.stderr);
        assertEquals(EXPECTED, r.stdout);
        assertEquals(1, r.stderr.lines().count(), r.stderr);
        assertTrue(r.stderr.contains("cannot create") && r.stderr.contains("permission denied"), r.stderr);
    }

    /**
     * A full disk: a two-page tmpfs, filled, in a mount namespace of the test's own (so nothing is
     * left mounted). The program runs on, with one line saying why there is no run.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"coverage", "trace"})
    void fullDiskLeavesTheProgramRunning(String mode) throws Exception {
        Path full = Files.createDirectories(dir.resolve("full"));
        Tools.Result probe = Tools.run(List.of("unshare", "--mount", "sh", "-c", "mount -t tmpfs -o size=8k none " + full));
        Assumptions.assumeTrue(probe.exit() == 0, "cannot mount a small tmpfs in a mount namespace of its own: "
                + probe.stderr().strip());
        InstrumentedRun r = InstrumentedRun.instrument(compile("gcc", "-O2", "pie"), pass(mode, RunFiles.DEFAULT), dir.resolve("run"));
        r.runCommand(Map.of("YKRW_COVERAGE_DIR", full.toString(), "YKRW_TRACE_DIR", full.toString()),
                List.of("unshare", "--mount", "sh", "-c", "mount -t tmpfs -o size=8k none " + full + " && (head -c 65536 /dev/zero > "
                        + full + "/fill; exec " + r.binary + ")"));
        assertEquals(0, r.exit, r.stderr);
        assertEquals(EXPECTED, r.stdout);
        List<String> lines = r.stderr.lines().filter(l -> !l.startsWith("head:")).toList();
        assertEquals(1, lines.size(), r.stderr);
        assertTrue(lines.get(0).startsWith("ykrw runtime: ") && lines.get(0).contains("no space left"), r.stderr);
    }

    // ---- helpers ----

    private Path compile(String cc, String opt, String link) throws IOException {
        return TestCompiler.compile(dir.resolve("counted-" + cc + opt + "-" + link), "counted.c", cc, link, List.of(opt));
    }

    /** A file's bytes as text, whatever they are (a clobbered file holds a run's binary header). */
    private static String contents(Path f) throws IOException {
        return new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
    }

    private static Pass pass(String mode, RunFiles files) {
        return switch (mode) {
            case "trace" -> new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, false, false).withRunFiles(files);
            case "counts" -> new CoveragePass(CoveragePass.Mode.COUNTS, BlockFilter.ALL).withRunFiles(files);
            default -> new CoveragePass(CoveragePass.Mode.COVERAGE, BlockFilter.ALL).withRunFiles(files);
        };
    }

    private static String suffix(String mode) {
        return mode.equals("trace") ? ".bin" : ".ykcov";
    }

    /** The run file's name (docs/FORMATS.md) for pid, which may be the shell's "$$". */
    private static String runFileName(InstrumentedRun r, String mode, String pid) {
        return mode.equals("trace") ? "ykrw-trace." + pid + ".bin" : r.binary.getFileName() + "." + pid + ".ykcov";
    }

    private static List<Path> links(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(Files::isSymbolicLink).toList();
        }
    }

    private static List<Path> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.sorted().toList();
        }
    }

    /**
     * Setuid tests need root (to make a setuid-root file and to become another user), setpriv, and a
     * file system that honours the setuid bit where the test's files are.
     */
    private void assumeSetuidCanBeTested() throws IOException {
        Assumptions.assumeTrue(Tools.run(List.of("id", "-u")).stdout().trim().equals("0"),
                "setuid tests need root (to make a setuid-root copy and run it as another user)");
        Assumptions.assumeTrue(Tools.run(List.of("sh", "-c", "command -v setpriv")).exit() == 0, "setpriv is not installed");
        Tools.Result options = Tools.run(List.of("findmnt", "-n", "-o", "OPTIONS", "-T", dir.toString()));
        Assumptions.assumeTrue(options.exit() == 0, "findmnt cannot tell how " + dir + " is mounted");
        Assumptions.assumeFalse(List.of(options.stdout().trim().split(",")).contains("nosuid"),
                dir + " is on a file system mounted nosuid: setuid programs cannot be run there");
        // The unprivileged user must reach the files: @TempDir makes the directory 0700.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static Path openDirectory(Path d) throws IOException {
        Files.createDirectories(d);
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        return d;
    }

    private static Path writableByAll(Path d) throws IOException {
        Files.createDirectories(d);
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx"));
        return d;
    }

    /** Makes the run's binary setuid root (the tests run as root). */
    private static InstrumentedRun setuidCopy(InstrumentedRun r) throws IOException {
        Tools.output("chmod", "4755", r.binary.toString());
        String mode = Tools.output("stat", "-c", "%A %u", r.binary.toString()).trim();
        assertEquals("-rwsr-xr-x 0", mode, "a setuid-root file");
        return r;
    }

    private static void asNobody(InstrumentedRun r, Map<String, String> env) throws IOException, InterruptedException {
        r.runCommand(env, List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", r.binary.toString()));
        assertFalse(r.stderr.contains("setpriv:"), r.stderr);
        // The output files the JVM redirected into are root's, and readable: nothing else to restore.
        assertTrue(Files.exists(r.dir.resolve("stdout.txt")), new String(Files.readAllBytes(r.dir.resolve("stderr.txt")),
                StandardCharsets.UTF_8));
    }
}
