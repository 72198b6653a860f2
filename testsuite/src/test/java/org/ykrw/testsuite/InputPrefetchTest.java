package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ykrw.core.testutil.Tools;

/**
 * `ykrw stats BIN ...` lifts BIN on a thread of its own while the command line is parsed (the input
 * prefetch); `ykrw stats --json BIN` names no file right after the command and lifts after parsing.
 * Both must print the same numbers, for programs of every shape in the matrix.
 */
class InputPrefetchTest {
    static List<Path> programs() {
        return ProgramMatrix.of("switch").stream().map(Variant::stripped).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void prefetchedLiftEqualsLiftAfterParsing(Path bin) {
        Tools.Result ahead = YkrwJar.run("stats", bin.toString(), "--json");
        Tools.Result after = YkrwJar.run("stats", "--json", bin.toString());
        assertEquals(0, ahead.exit(), ahead.stderr());
        assertEquals(0, after.exit(), after.stderr());
        assertTrue(ahead.stdout().contains("\"blocks\""), ahead.stdout());
        assertEquals(withoutTime(after.stdout()), withoutTime(ahead.stdout()));
    }

    private static String withoutTime(String json) {
        return json.replaceAll(", \"time_ms\": [0-9]+", "");
    }
}
