package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ykrw.core.testutil.Tools;

/**
 * What the embedded runtime says on stderr about the environment (issue 16, docs/RUNTIME.md): a run
 * file made in a current directory that is not the program's is named in one line (not when the user
 * chose the directory, runs the program from its own directory, or sets YKRW_QUIET); YKRW_TRACE takes
 * on/off, 1/0, true/false in any case and says so, once, for anything else.
 */
class RuntimeNoticeTest {
    @TempDir
    static Path dir;
    static Path covered;
    static Path toggled;

    @BeforeAll
    static void build() throws Exception {
        Path bin = dir.resolve("trace");
        Tools.output("gcc", "-O2", "-o", bin.toString(),
                Path.of("../examples/trace/trace.c").toAbsolutePath().normalize().toString());
        Path programs = Files.createDirectories(dir.resolve("programs"));
        covered = programs.resolve("prog");
        toggled = programs.resolve("toggled");
        assertEquals(0, YkrwJar.run("instrument", "--coverage", bin.toString(), "-o", covered.toString()).exit());
        assertEquals(0, YkrwJar.run("instrument", "--trace", "--toggle", bin.toString(), "-o", toggled.toString()).exit());
    }

    /**
     * Runs {@code program} from {@code cwd} without the run-file variables, plus {@code env} (NAME=VALUE);
     * its stdout is replaced by the number of trace lines it printed.
     */
    private static Tools.Result runIn(Path cwd, Path program, String... env) {
        StringBuilder sh = new StringBuilder("cd '" + cwd + "' && { env");
        for (String e : env) {
            sh.append(" '").append(e).append('\'');
        }
        sh.append(" '").append(program).append("'; } | grep -c '^trace ' || true");
        return Tools.run(List.of("env", "-u", "YKRW_COVERAGE_DIR", "-u", "YKRW_TRACE_DIR", "-u", "YKRW_QUIET", "sh", "-c",
                sh.toString()), 60);
    }

    private static List<Path> runs(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> p.toString().endsWith(".ykcov")).toList();
        }
    }

    @Test
    void aRunFileElsewhereIsNamed() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Tools.Result r = runIn(elsewhere, covered);
        assertEquals(0, r.exit(), r.stderr());
        List<Path> made = runs(elsewhere);
        assertEquals(1, made.size(), made.toString());
        assertEquals("ykrw runtime: this run is in " + made.get(0).toRealPath() + " (the current directory, not the"
                + " program's; YKRW_COVERAGE_DIR chooses another, YKRW_QUIET=1 hides this line)\n", r.stderr());

        Tools.Result quiet = runIn(elsewhere, covered, "YKRW_QUIET=1");
        assertEquals("", quiet.stderr(), "YKRW_QUIET=1 hides it");
        Tools.Result chosen = runIn(elsewhere, covered, "YKRW_COVERAGE_DIR=" + elsewhere);
        assertEquals("", chosen.stderr(), "a directory the user chose is no surprise");
        Tools.Result beside = runIn(covered.getParent(), covered);
        assertEquals("", beside.stderr(), "./prog finds its run beside it");
        assertEquals(1, runs(covered.getParent()).size());
        assertEquals(3, runs(elsewhere).size());
    }

    @Test
    void traceSwitchTakesWordsAndSaysWhatItIgnores() {
        Path cwd = toggled.getParent();
        long off = traces(runIn(cwd, toggled, "YKRW_TRACE=0"));
        long on = traces(runIn(cwd, toggled, "YKRW_TRACE=1"));
        assertTrue(on > off, on + " vs " + off);
        for (String word : List.of("on", "ON", "true", "True", "1")) {
            Tools.Result r = runIn(cwd, toggled, "YKRW_TRACE=" + word);
            assertEquals(on, traces(r), word);
            assertEquals("", r.stderr(), word);
        }
        for (String word : List.of("off", "OFF", "false", "0")) {
            Tools.Result r = runIn(cwd, toggled, "YKRW_TRACE=" + word);
            assertEquals(off, traces(r), word);
            assertEquals("", r.stderr(), word);
        }
        Tools.Result typo = runIn(cwd, toggled, "YKRW_TRACE=yse");
        assertEquals(off, traces(typo), "a word it does not know leaves the start state (off)");
        assertEquals("ykrw runtime: YKRW_TRACE=yse is not on, off, 1, 0, true or false: ignored, tracing starts off"
                + " (instrument --toggle-start)\n", typo.stderr());
    }

    /** @return the trace lines the program printed */
    private static long traces(Tools.Result r) {
        assertEquals(0, r.exit(), r.stderr());
        return Long.parseLong(r.stdout().strip());
    }
}
