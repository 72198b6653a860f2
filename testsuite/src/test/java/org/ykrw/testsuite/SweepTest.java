package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ykrw.core.testutil.Tools;

/**
 * {@code ykrw sweep} through the real jar over a small directory: seven coreutils (rewritten, same
 * output), a damaged program (refused with its reason), and files a sweep must skip (a script, a
 * shared library, a file without execute permission).
 */
class SweepTest {
    static final List<String> PROGRAMS = List.of("true", "false", "echo", "cat", "ls", "sort", "head");

    @TempDir
    Path dir;

    private static Tools.Result ykrw(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("java", "-Xss16m", "-jar", BadInputTest.JAR.toString()));
        cmd.addAll(List.of(args));
        return Tools.run(cmd, 600);
    }

    @Test
    void sweepsASmallDirectory() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String p : PROGRAMS) {
            Files.copy(Path.of("/usr/bin", p), bin.resolve(p));
        }
        byte[] ls = Files.readAllBytes(Path.of("/usr/bin/ls"));
        Path damaged = bin.resolve("damaged");
        Files.write(damaged, Arrays.copyOf(ls, ls.length / 2));
        assertTrue(damaged.toFile().setExecutable(true));
        Path script = bin.resolve("script");
        Files.writeString(script, "#!/bin/sh\necho hi\n");
        assertTrue(script.toFile().setExecutable(true));
        Files.copy(Path.of("/usr/bin/ls"), bin.resolve("not-executable"));
        assertTrue(bin.resolve("not-executable").toFile().setExecutable(false, false));
        Path lib = bin.resolve("libc.so.6");
        Files.copy(Path.of("/lib/x86_64-linux-gnu/libm.so.6"), lib);
        assertTrue(lib.toFile().setExecutable(true));

        Tools.Result r = ykrw("sweep", bin.toString(), "--jobs", "2", "--timeout", "20");
        String summary = r.stdout().lines().filter(l -> l.startsWith("sweep: ")).findFirst().orElse("");
        assertEquals("sweep: 8 programs, 7 transformed by rewrite (87.5%): 7 identical, 0 unstable (output varies from"
                + " run to run), 0 differing, 0 crashing; 1 refused, 0 ykrw errors; skipped 3 files (1 not executable,"
                + " 1 script, 1 shared library)", summary, r.stdout() + r.stderr());
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stdout().lines().anyMatch(l -> l.matches("refused\\s+damaged\\s.*runs past end of file.*")), r.stdout());
        for (String p : PROGRAMS) {
            assertTrue(r.stdout().lines().anyMatch(l -> l.matches("identical\\s+" + p + "\\s.*")), p + "\n" + r.stdout());
        }
        assertTrue(r.stderr().contains("ykrw: sweep 8/8 (100%)"), r.stderr());
    }

    @Test
    void coverageAndTracePasses() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String p : List.of("true", "echo", "ls")) {
            Files.copy(Path.of("/usr/bin", p), bin.resolve(p));
        }
        for (String pass : List.of("coverage", "trace")) {
            Tools.Result r = ykrw("sweep", bin.toString(), "--jobs", "2", "--pass", pass);
            String summary = r.stdout().lines().filter(l -> l.startsWith("sweep: ")).findFirst().orElse("");
            assertTrue(summary.startsWith("sweep: 3 programs, 3 transformed by " + pass + " (100.0%): 3 identical,"),
                    r.stdout() + r.stderr());
            assertEquals(0, r.exit(), r.stderr());
        }
    }

    @Test
    void unknownPass() {
        Tools.Result r = ykrw("sweep", dir.toString(), "--pass", "nonsense");
        assertEquals(64, r.exit(), r.stderr());
        assertTrue(r.stderr().strip().startsWith("ykrw: --pass nonsense is unknown"), r.stderr());
    }
}
