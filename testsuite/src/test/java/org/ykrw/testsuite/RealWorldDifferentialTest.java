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
     * Strict mode's miss the analysis still has on these programs (issue 12; it dies of SIGTRAP where the
     * old code is entered, and runs that old code unseen without --strict): busybox-static's applet
     * mains are reached only through a table of pointers in .rodata of a position-dependent static
     * program (no relocations) and are never found as functions. (grep's and perl's, a table indexed by
     * {@code lea eax, [r - K]; cmp eax, N} read from the wrong slots, are fixed: JumpTableResolver.resolve.)
     */
    static final String STRICT_KNOWN_MISSES = "busybox-static";

    /**
     * The same cases rewritten with --strict (old code of moved functions filled with int3): every control
     * transfer into old code the analysis did not know of traps, so a pass here means none happened on
     * these inputs. The programs of {@link #STRICT_KNOWN_MISSES} are left out until their misses are fixed.
     */
    @Test
    void strictRewriteOfRealProgramsBehavesTheSame() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(SCRIPT) || Files.exists(SCRIPT), "no " + SCRIPT);
        Path wrapper = dir.resolve("rw-strict.sh");
        Files.writeString(wrapper, "#!/bin/sh\nexec java -Xss16m -jar " + BadInputTest.JAR
                + " rewrite --strict \"$1\" -o \"$2\"\n");
        wrapper.toFile().setExecutable(true);
        String cases = "^(ls|sort-num|sort-uniq|gzip|bzip2|xz|zstd|sed|grep|mawk|tar|sha256sum|bc|jq|sqlite3|lua5.4|perl|git|python3)$";
        Tools.Result r = Tools.run(List.of("bash", SCRIPT.toString(), "-n", cases, "--", wrapper.toString()), 1500);
        String summary = r.stdout().lines().filter(l -> l.startsWith("differential:")).findFirst().orElse("");
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
        assertTrue(summary.matches("differential: 19 passed, 0 failed, 0 skipped"), r.stdout());
    }
}
