package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.V8EmbeddedBlob;
import org.ykrw.core.testutil.Tools;

/**
 * node, the largest program on the machine (issue 12, section 4: 99 MB, V8 inside): rewritten, and
 * instrumented for coverage in strict mode (int3 over moved functions' old code), through the CLI jar
 * as a user runs it, it must run {@code node -e} and workload.js (JSON round trips, regular expressions, a
 * closure-heavy loop, stack traces) with the original's output. V8's builtins stay in place (V8 finds
 * them by address in its embedded blob); everything else moves. Skipped where there is no node, or
 * too little memory for the heap its lift needs; a node without the symbols that locate its blob
 * (stripped) must be refused instead. Each test rewrites node once: about half a minute to a
 * minute each on two cores.
 */
class NodeRewriteTest {
    private static final Path NODE = Path.of("/usr/bin/node");
    private static final Path WORKLOAD = Path.of("src/test/resources/node/workload.js").toAbsolutePath();
    /**
     * The CLI's JVM as the launcher starts it for node on a machine with 8 GB or more: lifting node holds
     * about 2 GB, instrumenting it up to about 3 GB.
     */
    private static final List<String> JVM = List.of("-Xss16m", "-XX:TieredStopAtLevel=1", "-Xmn2g", "-Xms4g",
            "-Xmx4g");
    private static final long NEEDED_RAM_KIB = 8L * 1024 * 1024 - 512 * 1024;

    @TempDir
    Path dir;

    @Test
    void rewrittenNodeRunsJavaScript() throws IOException {
        Path out = transform(List.of("rewrite"));
        if (out != null) {
            assertRunsLikeNode(out);
        }
    }

    @Test
    void coverageInstrumentedNodeRunsJavaScript() throws IOException {
        // strict: a jump the analysis missed into moved code's old copy traps instead of passing unseen
        Path out = transform(List.of("instrument", "--coverage", "--strict"));
        if (out != null) {
            assertRunsLikeNode(out);
            try (Stream<Path> runs = Files.list(dir)) {
                assertTrue(runs.anyMatch(f -> f.getFileName().toString().endsWith(".ykcov")), "no coverage run file");
            }
        }
    }

    /**
     * @return the output of {@code ykrw COMMAND... node -o OUT}, or null when node is refused (it must
     *     then be a node whose blob cannot be located)
     */
    private Path transform(List<String> command) {
        assumeTrue(Files.isExecutable(NODE), "no " + NODE + " on this machine");
        assumeTrue(memoryKib() >= NEEDED_RAM_KIB, "rewriting node needs a JVM heap of 4 GB: less than 8 GB of RAM here");
        boolean locatable = V8EmbeddedBlob.locate(ElfFile.read(NODE)).isPresent();
        Path out = dir.resolve("node");
        List<String> cmd = new ArrayList<>(List.of("java"));
        cmd.addAll(JVM);
        cmd.addAll(List.of("-jar", BadInputTest.JAR.toString()));
        cmd.addAll(command);
        cmd.addAll(List.of(NODE.toString(), "-o", out.toString()));
        Tools.Result r = Tools.run(cmd, 900);
        if (!locatable) {
            AddressKeyedCodeTest.assertRefused(r, "V8 embedder");
            assertFalse(Files.exists(out));
            return null;
        }
        assertEquals(0, r.exit(), r.stderr());
        if (command.get(0).equals("rewrite")) {
            assertTrue(r.stderr().contains("left in place: found by address"), r.stderr());
        }
        return out;
    }

    private void assertRunsLikeNode(Path rewritten) {
        for (List<String> args : List.of(List.of("-e", "console.log(1+1)"), List.of(WORKLOAD.toString()))) {
            Tools.Result expected = run(NODE, args);
            assertEquals(0, expected.exit(), expected.stderr());
            Tools.Result actual = run(rewritten, args);
            assertEquals(expected.stdout(), actual.stdout(), String.join(" ", args) + ": " + actual.stderr());
            assertEquals(0, actual.exit(), actual.stderr());
        }
        assertEquals("2\n", run(rewritten, List.of("-e", "console.log(1+1)")).stdout());
    }

    private Tools.Result run(Path node, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("env", "YKRW_COVERAGE_DIR=" + dir, node.toString()));
        cmd.addAll(args);
        return Tools.run(cmd, 120);
    }

    private static long memoryKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
