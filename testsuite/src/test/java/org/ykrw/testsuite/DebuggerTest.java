package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ykrw.core.testutil.Tools;

/**
 * A rewritten, unstripped C++ program in the hands of the usual tools: gdb breaks on a function by
 * name (its .symtab symbol now points at the moved code) and prints a full backtrace through moved
 * functions down to main, every frame's pc in the new code (found through the new .eh_frame);
 * readelf -a and objdump -d read the output without a warning.
 */
class DebuggerTest {
    private static final Pattern FRAME = Pattern.compile("(?m)^#(\\d+)\\s+(?:0x([0-9a-f]+) in )?(\\w+)");

    @TempDir
    Path dir;

    static List<Variant> variants() {
        return ProgramMatrix.of("exceptions");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void gdbBacktraceThroughMovedCode(Variant v) throws IOException {
        Path out = dir.resolve(v.name() + ".rw");
        Tools.Result rw = Tools.run(List.of("java", "-jar", BadInputTest.JAR.toString(), "rewrite",
                v.binary().toString(), "-o", out.toString()), 120);
        assertEquals(0, rw.exit(), rw.stderr());
        List<String> cmd = new ArrayList<>(List.of("gdb", "-nx", "-batch", "-ex", "break level3", "-ex", "run",
                "-ex", "bt"));
        for (int frame = 0; frame < 4; frame++) {
            cmd.addAll(List.of("-ex", "frame " + frame, "-ex", "info symbol $pc"));
        }
        cmd.add(out.toString());
        Tools.Result gdb = Tools.run(cmd, 120);
        assertEquals(0, gdb.exit(), gdb.stderr());
        int frameCommands = gdb.stdout().indexOf("#0", Math.max(0, gdb.stdout().indexOf("#3")));
        String bt = frameCommands < 0 ? gdb.stdout() : gdb.stdout().substring(0, frameCommands);
        List<String> names = new ArrayList<>();
        Matcher m = FRAME.matcher(bt);
        while (m.find()) {
            names.add(m.group(3));
        }
        assertEquals(List.of("level3", "level2", "level1", "main"), names.subList(0, Math.min(4, names.size())),
                gdb.stdout() + gdb.stderr());
        // each of the four frames' pc lies in the moved code's section
        assertEquals(4, gdb.stdout().split("in section \\.ykrw\\.text", -1).length - 1, gdb.stdout());
        assertTrue(!bt.contains("??") && !gdb.stderr().contains("warning"), gdb.stdout() + gdb.stderr());

        for (List<String> tool : List.of(List.of("readelf", "-a", "-W"), List.of("objdump", "-d"))) {
            List<String> toolCmd = new ArrayList<>(tool);
            toolCmd.add(out.toString());
            Tools.Result r = Tools.run(toolCmd, 120);
            assertEquals(0, r.exit(), tool + ": " + r.stderr());
            assertEquals("", r.stderr(), tool + " warns");
        }
    }
}
