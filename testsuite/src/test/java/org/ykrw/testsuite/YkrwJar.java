package org.ykrw.testsuite;

import java.util.ArrayList;
import java.util.List;
import org.ykrw.core.testutil.Tools;

/** Runs the real ykrw command (the CLI jar the build made) in a subprocess, as a user would. */
final class YkrwJar {
    private YkrwJar() {
    }

    /** @return exit status and output of {@code ykrw ARGS...}, within two minutes */
    static Tools.Result run(String... args) {
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", BadInputTest.JAR.toString()));
        cmd.addAll(List.of(args));
        return Tools.run(cmd, 120);
    }
}
