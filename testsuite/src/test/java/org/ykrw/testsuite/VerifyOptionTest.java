package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ykrw.core.testutil.Tools;

/**
 * {@code --verify} on real programs: the IR checks pass after lifting and after every pass of rewrite,
 * instrument (coverage, trace), strip and patch, and checking changes nothing in the output.
 * (That the checks catch a broken IR is CfgVerifierTest's, on IR built by hand: ykrw's passes keep it
 * intact.)
 */
class VerifyOptionTest {
    @TempDir
    Path dir;

    static Stream<Arguments> programs() {
        return Stream.of(Arguments.of("switch", "gcc", "O2", "pie"), Arguments.of("exceptions", "clang", "O0", "nopie"),
                Arguments.of("runtime", "gcc", "O3", "static"));
    }

    @ParameterizedTest(name = "{0}-{1}-{2}-{3}")
    @MethodSource("programs")
    void everyCommandVerifiesRealPrograms(String program, String cc, String opt, String link) throws IOException {
        Variant v = ProgramMatrix.one(program, cc, opt, link);
        String in = v.binary().toString();
        for (List<String> command : List.of(List.of("rewrite"), List.of("instrument", "--trace"), List.of("strip"),
                List.of("patch", "--disable", "main"))) {
            Path out = dir.resolve(command.get(0) + ".out");
            Tools.Result r = ykrw(command, "--verify", in, "-o", out.toString());
            assertEquals(0, r.exit(), command + " --verify on " + v + ": " + r.stderr());
        }
        Path checked = dir.resolve("checked");
        Path plain = dir.resolve("plain");
        Tools.Result r = ykrw(List.of("instrument", "--coverage"), "--verify", in, "-o", checked.toString());
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(0, ykrw(List.of("instrument", "--coverage"), in, "-o", plain.toString()).exit());
        assertArrayEquals(Files.readAllBytes(plain), Files.readAllBytes(checked), "--verify changes no byte of the output");
    }

    private static Tools.Result ykrw(List<String> command, String... args) {
        List<String> all = new java.util.ArrayList<>(command);
        all.addAll(List.of(args));
        return YkrwJar.run(all.toArray(new String[0]));
    }
}
