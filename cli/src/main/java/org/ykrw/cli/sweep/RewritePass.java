package org.ykrw.cli.sweep;

import java.nio.file.Path;
import java.util.List;
import org.ykrw.cli.RewriteInput;
import org.ykrw.core.RewriteOptions;
import org.ykrw.core.Rewriter;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.emit.OutputFile;

/** {@code --pass rewrite}: the null rewrite, exactly what {@code ykrw rewrite IN -o OUT} writes
 * (with {@code --strict} when the options say so). */
public final class RewritePass implements SweepPass {
    private final RewriteOptions options;

    /** @param options rewrite options (strict mode) */
    public RewritePass(RewriteOptions options) {
        this.options = options;
    }

    @Override
    public String name() {
        return options.strict() ? "rewrite --strict" : "rewrite";
    }

    @Override
    public void apply(Path input, Path output) {
        ElfFile elf = RewriteInput.read(input);
        Rewriter.Result r = Rewriter.rewrite(elf, LiftOptions.defaults(), List.of(), options);
        OutputFile.writeAtomically(output, r.output(), input);
    }
}
