package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ykrw.core.testutil.Tools;

/**
 * The shared differential check of real Debian programs (coreutils, compressors, sqlite3, lua, perl,
 * python3.11, git, busybox-static ...): each original and its `ykrw rewrite` copy run on the same
 * inputs; output and exit status must agree for every case. Runs where ../shared is beside the
 * repository, as on CI.
 */
class RealWorldDifferentialTest {
    static final Path SCRIPT = Path.of("../../shared/realworld/differential.sh").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void nullRewriteOfRealProgramsBehavesTheSame() throws Exception {
        assertBehaveTheSame("rewrite", ".", "\\d+");
    }

    /**
     * The same cases rewritten with --strict (old code of moved functions filled with int3): every control
     * transfer into old code the analysis did not know of traps, so a pass here means none happened on
     * these inputs. All 20 cases: busybox-static, whose applet mains only a table of pointers in a static
     * program reaches (some through another applet's far tail call), was the last left out
     * (TableOnlyFunctionsTest has its shapes).
     */
    @Test
    void strictRewriteOfRealProgramsBehavesTheSame() throws Exception {
        assertBehaveTheSame("rewrite --strict", ".", "20");
    }

    /**
     * The same cases instrumented in strict mode: yk tracing through the embedded recorder, and coverage
     * counters. Strict mode traps wherever control reaches old code, so a pass means every block that ran
     * was instrumented code. perl is left out of --trace and checked to be refused in one line instead:
     * it exports a thread-local variable, and the recorder's thread-local bytes would move it
     * (ThreadLocalLayout; `--trace-lib` gives the tracing state from a library in such programs).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--trace", "--coverage"})
    void strictInstrumentedRealProgramsBehaveTheSame(String mode) throws Exception {
        boolean trace = mode.equals("--trace");
        String cases = trace ? "^(ls|sort-num|sort-uniq|gzip|bzip2|xz|zstd|sed|grep|mawk|tar|sha256sum|bc|jq|sqlite3|lua5.4"
                + "|busybox-static|git|python3)$" : ".";
        assertBehaveTheSame("instrument " + mode + " --strict", cases, trace ? "19" : "20");
        if (trace) {
            Tools.Result perl = Tools.run(List.of("java", "-Xss16m", "-jar", BadInputTest.JAR.toString(), "instrument",
                    "--trace", "/usr/bin/perl", "-o", dir.resolve("perl").toString()));
            assertTrue(perl.exit() == 2 && perl.stderr().strip().lines().count() == 1
                    && perl.stderr().contains("exports the thread-local"), perl.stderr());
            assertTrue(!Files.exists(dir.resolve("perl")), "no output is left behind");
        }
    }

    /**
     * Runs differential.sh on the cases matching {@code cases}, each program made by {@code ykrw
     * command IN -o OUT}: all must pass, {@code passed} of them (a regular expression), none skipped.
     * Run files go to a directory of the test's; their "this run is in ..." line is not the program's
     * output.
     */
    private void assertBehaveTheSame(String command, String cases, String passed) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(SCRIPT) || Files.exists(SCRIPT), "no " + SCRIPT);
        Path wrapper = dir.resolve("ykrw.sh");
        Files.writeString(wrapper, "#!/bin/sh\nexec java -Xss16m -jar " + BadInputTest.JAR + " " + command
                + " \"$1\" -o \"$2\"\n");
        wrapper.toFile().setExecutable(true);
        Path runs = Files.createDirectories(dir.resolve("runs"));
        Tools.Result r = Tools.run(List.of("env", "YKRW_QUIET=1", "YKRW_TRACE_DIR=" + runs, "YKRW_COVERAGE_DIR=" + runs,
                "bash", SCRIPT.toString(), "-n", cases, "--", wrapper.toString()), 1500);
        String summary = r.stdout().lines().filter(l -> l.startsWith("differential:")).findFirst().orElse("");
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
        assertTrue(summary.matches("differential: " + passed + " passed, 0 failed, 0 skipped"), r.stdout());
    }
}
