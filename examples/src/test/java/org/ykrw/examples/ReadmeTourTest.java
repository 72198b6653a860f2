package org.ykrw.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * README's five-minute tour runs as written: the shell block between its tour markers is taken from
 * README.md itself and run from the repository's root, every line checked (bash -e).
 */
class ReadmeTourTest {
    @Test
    void tourRunsAsWritten() throws Exception {
        String readme = Files.readString(ShellBlocks.ROOT.resolve("README.md"), StandardCharsets.UTF_8);
        List<String> tour = ShellBlocks.between(readme, "<!-- tour:start -->", "<!-- tour:end -->");
        assertEquals(1, tour.size(), "README has one tour");
        String out = ShellBlocks.run(tour.get(0), "README's tour");
        assertTrue(out.contains("basic blocks"), "stats printed: " + out);
        assertTrue(out.lines().anyMatch(l -> l.matches("\\d{4,}")), "trace lines counted: " + out);
    }
}
