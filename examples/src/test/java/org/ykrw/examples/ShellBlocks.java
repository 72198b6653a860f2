package org.ykrw.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The shell blocks of a Markdown document that sit between two HTML comment markers, run as written
 * from the repository's root, so that the commands the documentation shows are known to work.
 */
final class ShellBlocks {
    /** The repository's root (tests run in the module's directory). */
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private ShellBlocks() {
    }

    /**
     * @param markdown the document's text
     * @param start the opening marker, e.g. {@code <!-- tour:start -->}, alone on its line
     * @param end the closing marker
     * @return the body of the first {@code ```sh} block inside each marked part, in order
     */
    static List<String> between(String markdown, String start, String end) {
        // A marker stands on a line of its own: a text that names one in passing is no marker.
        String opening = "\n" + start + "\n";
        String closing = "\n" + end + "\n";
        List<String> blocks = new ArrayList<>();
        for (int from = markdown.indexOf(opening); from >= 0; from = markdown.indexOf(opening, from + 1)) {
            int to = markdown.indexOf(closing, from);
            assertTrue(to > from, "a " + start + " without its " + end);
            String part = markdown.substring(from, to);
            int open = part.indexOf("```sh");
            int close = part.lastIndexOf("```");
            assertTrue(open >= 0 && close > open, "a shell block between " + start + " and " + end);
            blocks.add(part.substring(open + 5, close));
        }
        return blocks;
    }

    /**
     * Runs a block with {@code bash -e} from the root and fails the test when any line fails.
     *
     * @param script the block
     * @param what where it comes from, for messages
     * @return its output (stdout and stderr together)
     */
    static String run(String script, String what) throws IOException, InterruptedException {
        Path log = Files.createTempFile("ykrw-doc", ".log");
        try {
            Process p = new ProcessBuilder("bash", "-e", "-c", script).directory(new File(ROOT.toString()))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertTrue(p.waitFor(600, TimeUnit.SECONDS), what + " finished in time");
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), what + " failed:\n" + out);
            return out;
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
