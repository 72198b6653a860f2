package org.ykrw.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * README's five-minute tour runs as written: the shell block between its tour markers is taken from
 * README.md itself and run from the repository's root, every line checked (bash -e).
 */
class ReadmeTourTest {
    @Test
    void tourRunsAsWritten() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        String readme = Files.readString(root.resolve("README.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf("<!-- tour:start -->");
        int end = readme.indexOf("<!-- tour:end -->");
        assertTrue(start >= 0 && end > start, "README has the tour markers");
        String block = readme.substring(start, end);
        String script = block.substring(block.indexOf("```sh") + 5, block.lastIndexOf("```"));
        Path log = Files.createTempFile("ykrw-tour", ".log");
        Process p = new ProcessBuilder("bash", "-e", "-c", script).directory(new File(root.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), "the tour finished in time");
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("basic blocks"), "stats printed: " + out);
        assertTrue(out.lines().anyMatch(l -> l.matches("\\d{4,}")), "trace lines counted: " + out);
        Files.deleteIfExists(log);
    }
}
