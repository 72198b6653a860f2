package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ykrw.core.testutil.Tools;

/**
 * What a user types (issue 16), through the real CLI jar: usage errors are exit 64 with a pointer to
 * the subcommand's help and a suggestion for a mistyped command; `functions` lists the addresses a
 * stripped binary needs; `patch` takes addresses and several functions at once.
 */
class CliUsageTest {
    @TempDir
    static Path dir;
    static Path bin;
    static Path stripped;

    @BeforeAll
    static void compile() throws Exception {
        bin = dir.resolve("trace");
        Tools.output("gcc", "-O2", "-o", bin.toString(),
                Path.of("../examples/trace/trace.c").toAbsolutePath().normalize().toString());
        stripped = dir.resolve("trace.stripped");
        Tools.output("strip", "-o", stripped.toString(), bin.toString());
    }

    private static void assertUsageError(Tools.Result r, String says, String help) {
        assertEquals(64, r.exit(), r.stderr());
        assertEquals(1, r.stderr().lines().count(), r.stderr());
        assertTrue(r.stderr().contains(says), r.stderr());
        assertTrue(r.stderr().contains("(see " + help + ")"), r.stderr());
    }

    @Test
    void mistypedCommandGetsTheNearestOne() {
        assertUsageError(YkrwJar.run("stat", bin.toString()), "unknown command 'stat' (did you mean 'stats'?)",
                "ykrw --help");
        Tools.Result far = YkrwJar.run("frobnicate", bin.toString());
        assertUsageError(far, "unknown command 'frobnicate'", "ykrw --help");
        assertFalse(far.stderr().contains("did you mean"), far.stderr());
    }

    @Test
    void missingOrDirectoryOutputIsAUsageError() {
        assertUsageError(YkrwJar.run("rewrite", bin.toString()), "no output file", "ykrw rewrite --help");
        assertUsageError(YkrwJar.run("rewrite", bin.toString(), "-o", dir.toString()), "is a directory",
                "ykrw rewrite --help");
        assertUsageError(YkrwJar.run("instrument", "--coverage", bin.toString(), "--bogus"), "Unknown option",
                "ykrw instrument --help");
        assertUsageError(YkrwJar.run("patch", bin.toString(), "-o", dir.resolve("p").toString()), "nothing to do",
                "ykrw patch --help");
    }

    /** The address `functions` gives for main in the stripped copy is what cfg and patch take. */
    @Test
    void functionsGivesAddressesThatCfgAndPatchTake() throws Exception {
        String mainAddress = Tools.output("sh", "-c", "nm " + bin + " | awk '$3 == \"main\" {print $1}'").strip()
                .replaceFirst("^0+", "");
        Tools.Result list = YkrwJar.run("functions", stripped.toString());
        assertEquals(0, list.exit(), list.stderr());
        Matcher row = Pattern.compile("(?m)^0x" + mainAddress + "\\s+(\\d+)\\s+(\\d+)\\s+\\d+\\s+yes\\s+fn_" + mainAddress + "$")
                .matcher(list.stdout());
        assertTrue(row.find(), list.stdout());
        Tools.Result cfg = YkrwJar.run("cfg", stripped.toString(), "--function", "0x" + mainAddress);
        assertEquals(0, cfg.exit(), cfg.stderr());
        assertEquals(Integer.parseInt(row.group(2)), cfg.stdout().lines().filter(l -> l.startsWith("block ")).count(),
                cfg.stdout());

        Path disabled = dir.resolve("two-disabled");
        Tools.Result patch = YkrwJar.run("patch", stripped.toString(), "-o", disabled.toString(), "--disable",
                "0x" + mainAddress, "--disable", "0x" + Tools.output("sh", "-c", "nm " + bin
                        + " | awk '$3 == \"yk_trace_basicblock\" {print $1}'").strip().replaceFirst("^0+", ""));
        assertEquals(0, patch.exit(), patch.stderr());
        Tools.Result run = Tools.run(java.util.List.of(disabled.toString()));
        assertEquals("", run.stdout(), "main returns at once");
        Path enabled = dir.resolve("enabled");
        Tools.Result undo = YkrwJar.run("patch", disabled.toString(), "-o", enabled.toString(), "--enable",
                "0x" + mainAddress, "--enable", "0x" + Tools.output("sh", "-c", "nm " + bin
                        + " | awk '$3 == \"yk_trace_basicblock\" {print $1}'").strip().replaceFirst("^0+", ""));
        assertEquals(0, undo.exit(), undo.stderr());
        assertArrayEquals(Files.readAllBytes(stripped), Files.readAllBytes(enabled));
    }
}
