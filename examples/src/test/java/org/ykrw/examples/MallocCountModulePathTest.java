package org.ykrw.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ykrw.core.Rewriter;
import org.ykrw.coverage.CoverageRun;
import org.ykrw.passes.instrument.CounterFile;

/**
 * The library example needs nothing its modules keep internal: compiled and run by the java launcher
 * with ykrw's modules on the module path (code outside them sees only what they export), it prints
 * what examples/malloc-count/expected-output.txt says.
 */
class MallocCountModulePathTest {
    @TempDir
    Path dir;

    private static String where(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    @Test
    void runsAgainstTheExportedApiOnly() throws Exception {
        Path example = Path.of("malloc-count").toAbsolutePath();
        Path program = dir.resolve("list");
        Process cc = new ProcessBuilder("gcc", "-O2", "-o", program.toString(), example.resolve("list.c").toString())
                .inheritIO().start();
        assertEquals(0, cc.waitFor());
        // ykrw's three modules and what they require (jna, HPPC, jackson-core)
        String modules = Stream.of(Rewriter.class, CounterFile.class, CoverageRun.class, com.sun.jna.Native.class,
                        com.carrotsearch.hppc.LongHashSet.class, com.fasterxml.jackson.core.JsonFactory.class)
                .map(c -> {
                    try {
                        return where(c);
                    } catch (URISyntaxException e) {
                        throw new IllegalStateException(e);
                    }
                }).collect(Collectors.joining(File.pathSeparator));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve("log");
        Process p = new ProcessBuilder(List.of(java, "--module-path", modules, "--add-modules",
                "org.ykrw.passes,org.ykrw.coverage", example.resolve("MallocCount.java").toString(),
                program.toString(), dir.resolve("list.counted").toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the example finished in time");
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertEquals(Files.readString(example.resolve("expected-output.txt"), StandardCharsets.UTF_8), out);
    }
}
