package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ykrw.core.testutil.Tools;

/**
 * What a user types (issue 16), through the real CLI jar: usage errors are exit 64 with a pointer to
 * the subcommand's help and a suggestion for a mistyped command; `functions` lists the addresses a
 * stripped binary needs; `patch` takes addresses and several functions at once.
 */
class CliUsageTest {
    @TempDir
    static Path dir;
    static Path bin;
    static Path stripped;

    @BeforeAll
    static void compile() throws Exception {
        bin = dir.resolve("trace");
        Tools.output("gcc", "-O2", "-o", bin.toString(),
                Path.of("../examples/trace/trace.c").toAbsolutePath().normalize().toString());
        stripped = dir.resolve("trace.stripped");
        Tools.output("strip", "-o", stripped.toString(), bin.toString());
    }

    private static void assertUsageError(Tools.Result r, String says, String help) {
        assertEquals(64, r.exit(), r.stderr());
        assertEquals(1, r.stderr().lines().count(), r.stderr());
        assertTrue(r.stderr().contains(says), r.stderr());
        assertTrue(r.stderr().contains("(see " + help + ")"), r.stderr());
    }

    @Test
    void mistypedCommandGetsTheNearestOne() {
        assertUsageError(YkrwJar.run("stat", bin.toString()), "unknown command 'stat' (did you mean 'stats'?)",
                "ykrw --help");
        Tools.Result far = YkrwJar.run("frobnicate", bin.toString());
        assertUsageError(far, "unknown command 'frobnicate'", "ykrw --help");
        assertFalse(far.stderr().contains("did you mean"), far.stderr());
    }

    @Test
    void missingOrDirectoryOutputIsAUsageError() {
        assertUsageError(YkrwJar.run("rewrite", bin.toString()), "no output file", "ykrw rewrite --help");
        assertUsageError(YkrwJar.run("rewrite", bin.toString(), "-o", dir.toString()), "is a directory",
                "ykrw rewrite --help");
        assertUsageError(YkrwJar.run("instrument", "--coverage", bin.toString(), "--bogus"), "Unknown option",
                "ykrw instrument --help");
        assertUsageError(YkrwJar.run("patch", bin.toString(), "-o", dir.resolve("p").toString()), "nothing to do",
                "ykrw patch --help");
    }

    /** The address `functions` gives for main in the stripped copy is what cfg and patch take. */
    @Test
    void functionsGivesAddressesThatCfgAndPatchTake() throws Exception {
        String mainAddress = Tools.output("sh", "-c", "nm " + bin + " | awk '$3 == \"main\" {print $1}'").strip()
                .replaceFirst("^0+", "");
        Tools.Result list = YkrwJar.run("functions", stripped.toString());
        assertEquals(0, list.exit(), list.stderr());
        Matcher row = Pattern.compile("(?m)^0x" + mainAddress + "\\s+(\\d+)\\s+(\\d+)\\s+\\d+\\s+yes\\s+fn_" + mainAddress + "$")
                .matcher(list.stdout());
        assertTrue(row.find(), list.stdout());
        Tools.Result cfg = YkrwJar.run("cfg", stripped.toString(), "--function", "0x" + mainAddress);
        assertEquals(0, cfg.exit(), cfg.stderr());
        assertEquals(Integer.parseInt(row.group(2)), cfg.stdout().lines().filter(l -> l.startsWith("block ")).count(),
                cfg.stdout());

        Path disabled = dir.resolve("two-disabled");
        Tools.Result patch = YkrwJar.run("patch", stripped.toString(), "-o", disabled.toString(), "--disable",
                "0x" + mainAddress, "--disable", "0x" + Tools.output("sh", "-c", "nm " + bin
                        + " | awk '$3 == \"yk_trace_basicblock\" {print $1}'").strip().replaceFirst("^0+", ""));
        assertEquals(0, patch.exit(), patch.stderr());
        Tools.Result run = Tools.run(java.util.List.of(disabled.toString()));
        assertEquals("", run.stdout(), "main returns at once");
        Path enabled = dir.resolve("enabled");
        Tools.Result undo = YkrwJar.run("patch", disabled.toString(), "-o", enabled.toString(), "--enable",
                "0x" + mainAddress, "--enable", "0x" + Tools.output("sh", "-c", "nm " + bin
                        + " | awk '$3 == \"yk_trace_basicblock\" {print $1}'").strip().replaceFirst("^0+", ""));
        assertEquals(0, undo.exit(), undo.stderr());
        assertArrayEquals(Files.readAllBytes(stripped), Files.readAllBytes(enabled));
    }

    /** One warning line, the output written, status 0. */
    private static void assertWarned(Tools.Result r, String says, Path out) {
        assertEquals(0, r.exit(), r.stderr());
        java.util.List<String> warnings = r.stderr().lines().filter(l -> l.startsWith("ykrw: warning: ")).toList();
        assertEquals(1, warnings.size(), r.stderr());
        assertTrue(warnings.get(0).contains(says), r.stderr());
        assertTrue(Files.isRegularFile(out), out + " written");
    }

    /** Filters and options that do nothing say so in one line; options of another mode are usage errors. */
    @Test
    void optionsThatDoNothingSaySo() {
        Path out = dir.resolve("ineffective");
        assertWarned(YkrwJar.run("instrument", "--coverage", "--functions", "mai", bin.toString(), "-o", out.toString()),
                "--functions 'mai' matches no function", out);
        Tools.Result whole = YkrwJar.run("instrument", "--coverage", "--functions", "main", bin.toString(), "-o", out.toString());
        assertFalse(whole.stderr().contains("warning"), whole.stderr());
        assertWarned(YkrwJar.run("instrument", "--coverage", "--skip-functions", "nothing_like_this", bin.toString(), "-o",
                out.toString()), "--skip-functions 'nothing_like_this' matches no function", out);
        assertWarned(YkrwJar.run("strip", "--fn", "no_such_tracer", bin.toString(), "-o", out.toString()),
                "no call to no_such_tracer", out);
        assertWarned(YkrwJar.run("instrument", "--trace", "--trace-fn", "no_such_tracer", "--trace-lib",
                "libykrw-no-such-library.so", bin.toString(), "-o", out.toString()), "ld.so would not find it", out);
        assertWarned(YkrwJar.run("instrument", "--trace", "--trace-fn", "no_such_tracer", "--trace-lib",
                dir.resolve("no/such/libt.so").toString(), bin.toString(), "-o", out.toString()), "no such file", out);
        Tools.Result found = YkrwJar.run("instrument", "--trace", "--trace-fn", "labs", "--trace-lib", "libc.so.6",
                bin.toString(), "-o", out.toString());
        assertEquals(0, found.exit(), found.stderr());
        assertFalse(found.stderr().contains("warning"), "libc.so.6 is where ld.so looks, with labs: " + found.stderr());
        assertWarned(YkrwJar.run("instrument", "--trace", "--trace-fn", "no_such_tracer", "--trace-lib", "libc.so.6",
                bin.toString(), "-o", out.toString()), "does not export no_such_tracer", out);
        Tools.Result unused = YkrwJar.run("instrument", "--trace", "--trace-lib", "libykrw-no-such-library.so", bin.toString(),
                "-o", out.toString());
        assertFalse(unused.stderr().contains("warning"), "the program has its tracer: the library is not loaded: " + unused.stderr());
        assertTrue(unused.stderr().contains("not loaded"), unused.stderr());
        assertWarned(YkrwJar.run("instrument", "--trace", "--trace-fn", "no_such_tracer", bin.toString(), "-o", out.toString()),
                "the embedded recorder records the blocks", out);
        assertWarned(YkrwJar.run("instrument", "--trace", "--toggle-start", "on", bin.toString(), "-o", out.toString()),
                "--toggle-start sets the start state of --toggle sleds", out);
        assertUsageError(YkrwJar.run("instrument", "--coverage", "--abi", "packed32", bin.toString(), "-o", out.toString()),
                "--abi goes with --trace", "ykrw instrument --help");
    }

    /**
     * A --trace-lib library that ld.so finds only through the program's RUNPATH ($ORIGIN being where the
     * output is written) draws no warning, its tracer is summarised, and the output runs with it; written
     * where $ORIGIN does not lead to it, the warning names the RUNPATH it looked in.
     */
    @Test
    void traceLibraryFoundThroughTheProgramsRunpath() throws Exception {
        Path libs = dir.resolve("runpath/libs");
        Files.createDirectories(libs);
        Path tracer = dir.resolve("runpath/tracer.c");
        Files.writeString(tracer, "void yk_trace_basicblock(unsigned long f, unsigned long b) { (void) f; (void) b; }\n");
        Path library = libs.resolve("libykrwrunpath.so");
        Tools.output("gcc", "-shared", "-fPIC", "-O2", "-o", library.toString(), tracer.toString());
        Path hello = dir.resolve("runpath/hello.c");
        Files.writeString(hello, "#include <stdio.h>\nint main(void) { puts(\"hello\"); return 3; }\n");
        Path program = dir.resolve("runpath/hello");
        Tools.output("gcc", "-O2", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/libs", "-o", program.toString(), hello.toString());

        Path out = dir.resolve("runpath/hello-traced");
        Tools.Result r = YkrwJar.run("instrument", "--trace", "--trace-lib", "libykrwrunpath.so", program.toString(), "-o",
                out.toString());
        assertEquals(0, r.exit(), r.stderr());
        assertFalse(r.stderr().contains("warning"), r.stderr());
        assertTrue(r.stderr().contains("of " + library), "the tracer found there is summarised: " + r.stderr());
        Tools.Result run = Tools.run(java.util.List.of(out.toString()));
        assertEquals("hello\n", run.stdout());
        assertEquals(3, run.exit());

        Path elsewhere = dir.resolve("hello-traced-elsewhere");
        assertWarned(YkrwJar.run("instrument", "--trace", "--trace-lib", "libykrwrunpath.so", program.toString(), "-o",
                elsewhere.toString()), "not in the program's RUNPATH, LD_LIBRARY_PATH", elsewhere);
    }

    /** -o - is the same bytes as -o FILE; a directory, or two outputs for one stdout, are usage errors. */
    @Test
    void standardOutputAndDirectories() throws Exception {
        for (String[] command : new String[][] {{"rewrite"}, {"strip"}, {"patch", "--disable", "yk_trace_basicblock"},
                {"instrument", "--counts"}}) {
            Path file = dir.resolve("to-file-" + command[0]);
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(command));
            args.addAll(java.util.List.of(bin.toString(), "-o", file.toString()));
            assertEquals(0, YkrwJar.run(args.toArray(String[]::new)).exit());
            args.set(args.size() - 1, "-");
            Tools.Result piped = YkrwJar.run(args.toArray(String[]::new));
            assertEquals(0, piped.exit(), piped.stderr());
            assertTrue(piped.stderr().contains("-> standard output"), piped.stderr());
            assertArrayEquals(Files.readAllBytes(file), piped.stdout().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                    command[0] + " -o - writes what -o FILE writes");
        }
        Tools.Result map = YkrwJar.run("instrument", "--coverage", bin.toString(), "-o", dir.resolve("m").toString(), "--map", "-");
        assertTrue(map.stdout().startsWith("{\"format\": \"ykrw-map\""), map.stdout());
        Tools.Result report = YkrwJar.run("cfg", bin.toString(), "--function", "main", "-o", "-");
        assertTrue(report.stdout().startsWith("function main"), report.stdout());

        Path missing = dir.resolve("not-yet");
        assertUsageError(YkrwJar.run("rewrite", bin.toString(), "-o", missing + "/"), "ends with '/'", "ykrw rewrite --help");
        assertFalse(Files.exists(missing), "nothing written");
        assertUsageError(YkrwJar.run("coverage", "report", "x.ykcov", "-o", dir.toString()), "is a directory",
                "ykrw coverage report --help");
        assertUsageError(YkrwJar.run("instrument", "--coverage", bin.toString(), "-o", "-", "--map", "-"),
                "standard output can take one of", "ykrw instrument --help");
        assertUsageError(YkrwJar.run("rewrite", "--report", bin.toString(), "-o", "-"), "--report prints to standard output",
                "ykrw rewrite --help");
    }

    /**
     * Progress bars go to stderr only when it is a terminal: run under a pseudo-terminal ({@code script}),
     * a rewrite shows its layout and writing phases, and report merging its runs; through a pipe, nothing.
     */
    @Test
    void progressOnlyOnATerminal() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")),
                "script (bsdutils) is needed for a pseudo-terminal");
        Path out = dir.resolve("progress");
        // Bars appear once a phase has run for a second; this small program's phases are quicker.
        String jar = "java -Dykrw.progress.delay=0 -jar " + BadInputTest.JAR + " ";
        Tools.Result tty = Tools.run(java.util.List.of("script", "-qec", jar + "rewrite " + bin + " -o " + out, "/dev/null"), 120);
        assertEquals(0, tty.exit(), tty.stdout());
        for (String phase : new String[] {"lifting", "layout", "writing"}) {
            assertTrue(tty.stdout().contains(phase + " "), phase + " on the terminal: " + tty.stdout());
        }
        Tools.Result quiet = Tools.run(java.util.List.of("script", "-qec", "YKRW_PROGRESS=0 " + jar + "rewrite " + bin + " -o "
                + out, "/dev/null"), 120);
        assertFalse(quiet.stdout().contains("layout "), quiet.stdout());
        Tools.Result piped = Tools.run(java.util.List.of("sh", "-c", jar + "rewrite " + bin + " -o " + out), 120);
        assertEquals(0, piped.exit(), piped.stderr());
        assertFalse(piped.stderr().contains("layout") || piped.stderr().contains("%"), piped.stderr());

        Path counts = dir.resolve("counted");
        assertEquals(0, YkrwJar.run("instrument", "--counts", bin.toString(), "-o", counts.toString()).exit());
        Path runs = Files.createDirectories(dir.resolve("progress-runs"));
        for (int i = 0; i < 2; i++) {
            Tools.run(java.util.List.of("env", "YKRW_COVERAGE_DIR=" + runs, counts.toString()));
        }
        Tools.Result merged = Tools.run(java.util.List.of("script", "-qec", jar + "coverage report --merge " + runs
                + "/*.ykcov -o " + dir.resolve("merged.txt"), "/dev/null"), 120);
        assertEquals(0, merged.exit(), merged.stdout());
        assertTrue(merged.stdout().contains("reading runs "), merged.stdout());
    }
}
