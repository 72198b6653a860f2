package org.ykrw.cli;

import org.ykrw.core.RewriteOptions;
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
}
