package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
        Assumptions.assumeTrue(Files.isExecutable(SCRIPT) || Files.exists(SCRIPT), "no " + SCRIPT);
        Path wrapper = dir.resolve("rw.sh");
        Files.writeString(wrapper, "#!/bin/sh\nexec java -Xss16m -jar " + BadInputTest.JAR + " rewrite \"$1\" -o \"$2\"\n");
        wrapper.toFile().setExecutable(true);
        Tools.Result r = Tools.run(List.of("bash", SCRIPT.toString(), "--", wrapper.toString()), 1500);
        String summary = r.stdout().lines().filter(l -> l.startsWith("differential:")).findFirst().orElse("");
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
        assertTrue(summary.matches("differential: \\d+ passed, 0 failed, 0 skipped"), r.stdout());
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
        Assumptions.assumeTrue(Files.isExecutable(SCRIPT) || Files.exists(SCRIPT), "no " + SCRIPT);
        Path wrapper = dir.resolve("rw-strict.sh");
        Files.writeString(wrapper, "#!/bin/sh\nexec java -Xss16m -jar " + BadInputTest.JAR
                + " rewrite --strict \"$1\" -o \"$2\"\n");
        wrapper.toFile().setExecutable(true);
        Tools.Result r = Tools.run(List.of("bash", SCRIPT.toString(), "--", wrapper.toString()), 1500);
        String summary = r.stdout().lines().filter(l -> l.startsWith("differential:")).findFirst().orElse("");
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
        assertTrue(summary.matches("differential: 20 passed, 0 failed, 0 skipped"), r.stdout());
    }
}
