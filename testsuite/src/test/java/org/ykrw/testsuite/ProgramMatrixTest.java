package org.ykrw.testsuite;

import org.ykrw.core.testutil.Tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every compiled variant, and its stripped copy, prints the expected output: the matrix itself is sound. */
class ProgramMatrixTest {
    static List<Variant> variants() {
        return ProgramMatrix.all();
    }

    /** @return expected stdout of a program, from src/test/resources/expected */
    static String expected(String program) throws IOException {
        return Files.readString(Path.of("src/test/resources/expected", program + ".out"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void runsWithExpectedOutput(Variant v) throws IOException {
        for (Path bin : List.of(v.binary(), v.stripped())) {
            List<String> cmd = new ArrayList<>(List.of(bin.toString()));
            cmd.addAll(v.args());
            Tools.Result r = Tools.run(cmd, 60);
            assertEquals(0, r.exit(), bin + " exit status; stderr: " + r.stderr());
            assertEquals(expected(v.program()), r.stdout(), bin + " output");
        }
    }
}
