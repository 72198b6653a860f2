package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ykrw.core.testutil.Tools;

/**
 * {@code ykrw sweep} through the real jar over a directory the test builds, so that every count is
 * known: test programs compiled here (gcc and clang, -O0 and -O2, PIE, non-PIE and static, C and C++)
 * and copies of /bin/true and /bin/false (rewritten, same output), a damaged program (refused with its
 * reason), and files a sweep must skip (a script, a shared library compiled here, a file without
 * execute permission). Nothing else of the host's /usr/bin is read.
 */
class SweepTest {
    /** Compiled programs: name in the directory -> {program, compiler, optimisation, link}. */
    static final String[][] COMPILED = {
        {"control-gcc-O2-pie", "control", "gcc", "O2", "pie"},
        {"control-clang-O0-nopie", "control", "clang", "O0", "nopie"},
        {"switch-gcc-O2-static", "switch", "gcc", "O2", "static"},
        {"exceptions-clang-O2-pie", "exceptions", "clang", "O2", "pie"}};
    static final List<String> COPIED = List.of("true", "false");

    @TempDir
    Path dir;

    private static Tools.Result ykrw(String... args) {
        List<String> cmd = new ArrayList<>(List.of("java", "-Xss16m", "-jar", BadInputTest.JAR.toString()));
        cmd.addAll(List.of(args));
        return Tools.run(cmd, 600);
    }

    /** @return the names of the programs put into {@code bin}: the compiled ones, then the copies */
    private static List<String> fillWithPrograms(Path bin) throws IOException {
        List<String> names = new ArrayList<>();
        for (String[] c : COMPILED) {
            Variant v = ProgramMatrix.one(c[1], c[2], c[3], c[4]);
            Files.copy(v.binary(), bin.resolve(c[0]));
            names.add(c[0]);
        }
        for (String p : COPIED) {
            Files.copy(Path.of("/bin", p), bin.resolve(p));
            names.add(p);
        }
        return names;
    }

    @Test
    void sweepsASmallDirectory() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        List<String> programs = fillWithPrograms(bin);
        byte[] elf = Files.readAllBytes(bin.resolve(COMPILED[0][0]));
        Path damaged = bin.resolve("damaged");
        Files.write(damaged, Arrays.copyOf(elf, elf.length / 2));
        assertTrue(damaged.toFile().setExecutable(true));
        Path script = bin.resolve("script");
        Files.writeString(script, "#!/bin/sh\necho hi\n");
        assertTrue(script.toFile().setExecutable(true));
        Files.copy(bin.resolve(COMPILED[0][0]), bin.resolve("not-executable"));
        assertTrue(bin.resolve("not-executable").toFile().setExecutable(false, false));
        Path lib = bin.resolve("libdemo.so");
        Tools.output(List.of("gcc", "-O2", "-shared", "-fPIC", "-o", lib.toString(),
                ProgramMatrix.sources().resolve("demolib.c").toString()));
        assertTrue(lib.toFile().setExecutable(true));

        Tools.Result r = ykrw("sweep", bin.toString(), "--jobs", "2", "--timeout", "20");
        String summary = r.stdout().lines().filter(l -> l.startsWith("sweep: ")).findFirst().orElse("");
        // six programs and the damaged one; the script, the library and the non-executable file skipped
        assertEquals("sweep: 7 programs, 6 transformed by rewrite (85.7%): 6 identical, 0 unstable (output varies from"
                + " run to run), 0 differing, 0 crashing; 1 refused, 0 ykrw errors; skipped 3 files (1 not executable,"
                + " 1 script, 1 shared library)", summary, r.stdout() + r.stderr());
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stdout().lines().anyMatch(l -> l.matches("refused\\s+damaged\\s.*runs past end of file.*")), r.stdout());
        for (String p : programs) {
            assertTrue(r.stdout().lines().anyMatch(l -> l.matches("identical\\s+" + p + "\\s.*")), p + "\n" + r.stdout());
        }
        assertTrue(r.stderr().contains("ykrw: sweep 7/7 (100%)"), r.stderr());
    }

    @Test
    void coverageAndTracePasses() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        int n = fillWithPrograms(bin).size();
        for (String pass : List.of("coverage", "trace")) {
            Tools.Result r = ykrw("sweep", bin.toString(), "--jobs", "2", "--pass", pass);
            String summary = r.stdout().lines().filter(l -> l.startsWith("sweep: ")).findFirst().orElse("");
            assertTrue(summary.startsWith("sweep: " + n + " programs, " + n + " transformed by " + pass + " (100.0%): "
                    + n + " identical, 0 unstable"), r.stdout() + r.stderr());
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
