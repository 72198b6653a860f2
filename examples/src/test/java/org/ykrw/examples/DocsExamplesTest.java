package org.ykrw.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every shell block of docs/*.md marked {@code <!-- runnable:start -->} ... {@code <!-- runnable:end -->}
 * runs as written from the repository's root (bash -e: every line must succeed).
 */
class DocsExamplesTest {
    @Test
    void markedBlocksRunAsWritten() throws Exception {
        Map<String, String> outputs = new LinkedHashMap<>();
        for (Path doc : docs()) {
            String text = Files.readString(doc, StandardCharsets.UTF_8);
            List<String> runnable = ShellBlocks.between(text, "<!-- runnable:start -->", "<!-- runnable:end -->");
            for (int i = 0; i < runnable.size(); i++) {
                String what = ShellBlocks.ROOT.relativize(doc) + " block " + (i + 1);
                outputs.put(what, ShellBlocks.run(runnable.get(i), what));
            }
        }
        // The CLI examples show what they claim: -o - and --map - write to stdout, a filter that matches
        // nothing says so.
        String cli = outputs.get("docs/CLI.md block 1");
        assertNotNull(cli, "docs/CLI.md has runnable examples: " + outputs.keySet());
        assertTrue(cli.contains("ykrw: warning: --functions 'mai' matches no function"), cli);
        assertTrue(cli.contains("{\"format\": \"ykrw-map\""), cli);
        assertFalse(cli.contains("Exception"), cli);
    }

    private static List<Path> docs() throws IOException {
        try (Stream<Path> s = Files.list(ShellBlocks.ROOT.resolve("docs"))) {
            return s.filter(p -> p.toString().endsWith(".md")).sorted().toList();
        }
    }
}
