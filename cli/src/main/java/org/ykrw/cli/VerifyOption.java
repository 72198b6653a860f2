package org.ykrw.cli;

import org.ykrw.core.RewriteOptions;
import org.ykrw.core.ir.Program;
import org.ykrw.core.pass.CfgVerifier;
import picocli.CommandLine.Option;

/** {@code --verify} (a picocli mixin): check the IR's invariants after lifting and after each pass. */
final class VerifyOption {
    @Option(names = "--verify", description = "Check the IR's invariants (edges, block order, probes only in"
            + " moved code) after lifting and after each pass; a broken one stops the run, naming the pass.")
    boolean on;

    /** @return {@code options} with verification as the command line says */
    RewriteOptions applyTo(RewriteOptions options) {
        return options.withVerify(on);
    }

    /** Checks a lifted program that no pass changes (strip and patch edit bytes in place), when asked. */
    void checkLifted(Program program) {
        if (on) {
            new CfgVerifier(f -> false).verify(program, "lift");
        }
    }
}
