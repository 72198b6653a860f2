package org.ykrw.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** README's first command, {@code ./examples/run}, works and reports the example as OK. */
class ExamplesRunTest {
    @Test
    void bundledExampleRuns() throws Exception {
        Path log = Files.createTempFile("ykrw-example", ".log");
        Process p = new ProcessBuilder("./run").directory(new File(".")).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "examples/run finished in time");
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("example OK"), out);
        assertTrue(out.contains("(patch --enable: byte-identical to the original)"), out);
        Files.deleteIfExists(log);
    }
}
