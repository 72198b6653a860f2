package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ykrw.core.testutil.Tools;

/**
 * Where ykrw writes, through the real jar: --in-place keeps the original as IN.orig; a full file system
 * (a 64 KiB tmpfs, mounted when running as root), a read-only directory and a file-size limit
 * ({@code ulimit -f}) each end in one {@code ykrw:} line, exit status 2, no output and no temporary
 * file left, the input untouched.
 */
class OutputSafetyTest {
    private static final Path LS = Path.of("/usr/bin/ls");

    @TempDir
    Path dir;

    private final List<Path> mounts = new ArrayList<>();

    @AfterEach
    void unmount() {
        for (Path m : mounts) {
            Tools.run(List.of("umount", m.toString()), 30);
        }
    }

    private static Tools.Result ykrw(String... args) {
        List<String> cmd = new ArrayList<>(List.of("java", "-Xss16m", "-jar", BadInputTest.JAR.toString()));
        cmd.addAll(List.of(args));
        return Tools.run(cmd, 120);
    }

    private static boolean isRoot() {
        return "0".equals(Tools.run(List.of("id", "-u"), 10).stdout().strip());
    }

    /** Mounts a tmpfs (root only); the test is skipped where mounting is not allowed. */
    private Path tmpfs(String name, String options) throws IOException {
        Assumptions.assumeTrue(isRoot(), "mounting a tmpfs needs root");
        Path m = Files.createDirectories(dir.resolve(name));
        Tools.Result r = Tools.run(List.of("mount", "-t", "tmpfs", "-o", options, "tmpfs", m.toString()), 30);
        Assumptions.assumeTrue(r.exit() == 0, "cannot mount a tmpfs here: " + r.stderr());
        mounts.add(m);
        return m;
    }

    private static void assertRefusedCleanly(Tools.Result r, String expected) {
        String err = r.stderr().strip();
        assertEquals(2, r.exit(), err);
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("ykrw: ") && err.contains(expected), err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), err);
    }

    private static List<Path> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }

    @Test
    void inPlaceKeepsTheOriginalAsOrig() throws IOException {
        Path in = dir.resolve("ls");
        Files.copy(LS, in);
        byte[] original = Files.readAllBytes(in);
        Tools.Result r = ykrw("rewrite", in.toString(), "--in-place");
        assertEquals(0, r.exit(), r.stderr());
        assertArrayEquals(original, Files.readAllBytes(dir.resolve("ls.orig")));
        assertFalse(java.util.Arrays.equals(original, Files.readAllBytes(in)), "rewritten in place");
        assertEquals(0, Tools.run(List.of(in.toString(), "--version"), 30).exit());
        // A second in-place run keeps the first original, not the rewritten file.
        r = ykrw("strip", in.toString(), "--in-place");
        assertEquals(0, r.exit(), r.stderr());
        assertArrayEquals(original, Files.readAllBytes(dir.resolve("ls.orig")));
        assertEquals(List.of(in, dir.resolve("ls.orig")).stream().sorted().toList(), list(dir).stream().sorted().toList());
    }

    @Test
    void fullFileSystem() throws IOException {
        Path small = tmpfs("small", "size=64k");
        Tools.Result r = ykrw("rewrite", LS.toString(), "-o", small.resolve("ls").toString());
        assertRefusedCleanly(r, "no space left on device");
        assertEquals(List.of(), list(small), "nothing left on the full file system");
    }

    @Test
    void fullFileSystemInPlace() throws IOException {
        Path small = tmpfs("small", "size=256k");
        Path in = small.resolve("ls");
        Files.copy(LS, in);
        byte[] original = Files.readAllBytes(in);
        // The backup fits (ls is 150 KB), the rewritten file does not: the input must stay as it was.
        Tools.Result r = ykrw("rewrite", in.toString(), "--in-place");
        assertRefusedCleanly(r, "no space left on device");
        assertArrayEquals(original, Files.readAllBytes(in));
        assertTrue(list(small).stream().noneMatch(p -> p.getFileName().toString().endsWith(".ykrw-tmp")), list(small).toString());
    }

    @Test
    void readOnlyDirectory() throws IOException {
        Path ro;
        if (isRoot()) {
            ro = tmpfs("ro", "ro,size=1m");
        } else {
            ro = Files.createDirectories(dir.resolve("ro"));
            assertTrue(ro.toFile().setWritable(false, false));
        }
        Tools.Result r = ykrw("rewrite", LS.toString(), "-o", ro.resolve("ls").toString());
        assertEquals(2, r.exit(), r.stderr());
        assertRefusedCleanly(r, "cannot write");
        assertEquals(List.of(), list(ro));
    }

    /**
     * @param kib the file size limit in blocks of 1 KiB: 200 is enough for JNA to unpack its native
     *     stub and too little for the rewritten ls; 50 is below what JNA needs
     */
    @ParameterizedTest(name = "ulimit -f {0}")
    @ValueSource(ints = {200, 50})
    void fileSizeLimit(int kib) throws IOException {
        Path out = dir.resolve("ls.out");
        Tools.Result r = Tools.run(List.of("bash", "-c", "ulimit -f " + kib + "; exec java -Xss16m -jar \"$0\" rewrite \"$1\" -o \"$2\"",
                BadInputTest.JAR.toString(), LS.toString(), out.toString()), 120);
        assertRefusedCleanly(r, "File too large");
        assertEquals(List.of(), list(dir));
    }
}
