package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ykrw.core.testutil.Tools;

/**
 * Issue 16: a {@code --counts} run's report answers what DynamoRIO's bbcount and bbsize samples
 * answer, and {@code --hook-functions} adds calls and the deepest recursion, in text and JSON.
 *
 * <p>The program's hot function is written in assembly, so its blocks are known from the source:
 * {@code spin(n)} is an entry block of 2 instructions (5 bytes), a loop block of 3 instructions (9
 * bytes) run n times, and a {@code ret}; {@code dive(d)} recurses d levels. The expected figures
 * follow from those and the arguments given, for two values of n.
 */
class ExecutionReportTest {
    private static final String SPIN = """
            .text
            .globl spin
            .type spin, @function
            spin:
                mov %rdi, %rcx
                xor %eax, %eax
            .Lloop:
                add $1, %rax
                cmp %rcx, %rax
                jne .Lloop
                ret
            .size spin, .-spin
            .section .note.GNU-stack,"",@progbits
            """;

    private static final String MAIN = """
            #include <stdlib.h>
            long spin(long n);
            __attribute__((noinline)) int dive(int d) { return d <= 1 ? 1 : 1 + dive(d - 1); }
            int main(int argc, char **argv) {
                long n = strtol(argv[1], 0, 10);
                return (int) (spin(n) != n) + dive(atoi(argv[2])) - atoi(argv[2]);
            }
            """;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "spin({0})")
    @ValueSource(longs = {1000, 250_000})
    void countsRunGivesBlockAndInstructionFigures(long n) throws IOException {
        int depth = 7;
        Path s = Files.writeString(dir.resolve("spin.s"), SPIN);
        Path c = Files.writeString(dir.resolve("main.c"), MAIN);
        Path bin = dir.resolve("prog");
        Tools.output("gcc", "-O0", "-o", bin.toString(), c.toString(), s.toString());
        Path inst = dir.resolve("prog.inst");
        Tools.Result r = YkrwJar.run("instrument", "--counts", "--hook-functions", "dive", bin.toString(),
                "-o", inst.toString());
        assertEquals(0, r.exit(), r.stderr());
        Path runDir = Files.createDirectories(dir.resolve("run"));
        Tools.Result ran = Tools.run(List.of("env", "YKRW_COVERAGE_DIR=" + runDir, inst.toString(), Long.toString(n),
                Integer.toString(depth)), 60);
        assertEquals(0, ran.exit(), ran.stderr());
        Path run;
        try (var files = Files.list(runDir)) {
            run = files.findFirst().orElseThrow();
        }

        String json = YkrwJar.run("coverage", "report", run.toString(), "--format", "json").stdout();
        String spin = functionObject(json, "spin");
        assertEquals(n + 2, number(spin, "blocksExecuted"), spin);
        assertEquals(2 + 3 * n + 1, number(spin, "instructionsExecuted"), spin);
        assertEquals(5 + 9 * n + 1, number(spin, "bytesExecuted"), spin);
        assertEquals(3, number(spin, "blocks"), spin);
        assertEquals(2.0, decimal(spin, "static", "instructionsPerBlock"), 1e-9, spin);
        assertEquals(5.0, decimal(spin, "static", "bytesPerBlock"), 1e-9, spin);
        assertEquals((3.0 * n + 3) / (n + 2), decimal(spin, "dynamic", "instructionsPerBlock"), 1e-4, spin);
        assertEquals((9.0 * n + 6) / (n + 2), decimal(spin, "dynamic", "bytesPerBlock"), 1e-4, spin);
        // the program's totals hold spin's and more (main, dive)
        String program = json.substring(json.indexOf("\"execution\""), json.indexOf("\"functions\": ["));
        assertTrue(number(program, "instructionsExecuted") > 3 * n, program);
        assertTrue(json.contains("{\"function\": \"dive\", \"calls\": " + depth + ", \"maxDepth\": " + depth + ","), json);

        String text = YkrwJar.run("coverage", "report", run.toString()).stdout();
        assertTrue(text.contains(String.format(Locale.ROOT, "instructions executed  %20d", number(program,
                "instructionsExecuted"))), text);
        assertTrue(text.lines().anyMatch(l -> l.matches(String.format(Locale.ROOT,
                "\\s+%d\\s+%d\\s+%.2f\\s+%.2f\\s+2\\.00\\s+5\\.00\\s+spin", n + 2, 3 * n + 3,
                (3.0 * n + 3) / (n + 2), (9.0 * n + 6) / (n + 2)))), text);
        assertTrue(text.lines().anyMatch(l -> l.matches("\\s+" + depth + "\\s+" + depth + "\\s+dive")), text);
    }

    /** @return the JSON object of the function called name in the report's "functions" */
    private static String functionObject(String json, String name) {
        int at = json.indexOf("\"name\": \"" + name + "\"");
        assertTrue(at > 0, json);
        int end = json.indexOf("\n", at);
        return json.substring(json.lastIndexOf("\n", at), end);
    }

    private static long number(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\": (\\d+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Long.parseLong(m.group(1));
    }

    private static double decimal(String json, String object, String key) {
        String inner = json.substring(json.indexOf("\"" + object + "\": {"));
        Matcher m = Pattern.compile("\"" + key + "\": ([0-9.]+)").matcher(inner);
        assertTrue(m.find(), key + " in " + inner);
        return Double.parseDouble(m.group(1));
    }
}
