package org.ykrw.cli.sweep;

import java.util.List;
import java.util.Optional;
import org.ykrw.core.RewriteOptions;
import org.ykrw.passes.instrument.BlockFilter;
import org.ykrw.passes.instrument.CoveragePass;
import org.ykrw.passes.instrument.TracePass;

/** The passes a sweep can apply, by {@code --pass} name. A new pass is one line here. */
public final class SweepPasses {
    private SweepPasses() {
    }

    /** Names accepted by {@code --pass}, each with a pass behind it ({@link #byName}). */
    public static final List<String> NAMES = List.of("rewrite", "trace", "coverage");

    /**
     * @param name a {@code --pass} value
     * @param options rewrite options (strict mode) every pass applies
     * @return the pass, or empty when the name is known but the pass is not written yet
     */
    public static Optional<SweepPass> byName(String name, RewriteOptions options) {
        return switch (name) {
            case "rewrite" -> Optional.of(new RewritePass(options));
            // Without a tracing function in the program, TracePass embeds a recorder (trace files go to the
            // sweep's scratch working directory); the program's own output must not change.
            case "trace" -> Optional.of(new InstrumentPass(name,
                    () -> new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, false, false), options));
            case "coverage" -> Optional.of(new InstrumentPass(name,
                    () -> new CoveragePass(CoveragePass.Mode.COVERAGE, BlockFilter.ALL), options));
            default -> Optional.empty();
        };
    }
}
