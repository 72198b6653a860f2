package org.ykrw.cli.sweep;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.ykrw.cli.RewriteInput;
import org.ykrw.core.RewriteOptions;
import org.ykrw.core.Rewriter;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.emit.OutputFile;
import org.ykrw.core.pass.Pass;

/**
 * {@code --pass trace} and {@code --pass coverage}: what {@code ykrw instrument --trace} or
 * {@code --coverage} writes, every block of every function instrumented. A fresh pass object per
 * program, since passes keep per-run counters.
 */
public final class InstrumentPass implements SweepPass {
    private final String name;
    private final Supplier<Pass> pass;
    private final RewriteOptions options;

    /**
     * @param name the {@code --pass} name
     * @param pass makes the core pass for one program
     * @param options rewrite options (strict mode)
     */
    public InstrumentPass(String name, Supplier<Pass> pass, RewriteOptions options) {
        this.name = name;
        this.pass = pass;
        this.options = options;
    }

    @Override
    public String name() {
        return options.strict() ? name + " --strict" : name;
    }

    @Override
    public void apply(Path input, Path output) {
        Rewriter.Result r = Rewriter.rewrite(RewriteInput.read(input), LiftOptions.defaults(), List.of(pass.get()),
                options);
        OutputFile.writeAtomically(output, r.output(), input);
    }
}
