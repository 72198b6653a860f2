package org.ykrw.cli.sweep;

import java.nio.file.Path;
import org.ykrw.cli.RewriteInput;
import org.ykrw.core.Rewriter;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.emit.OutputFile;

/** {@code --pass rewrite}: the null rewrite, exactly what {@code ykrw rewrite IN -o OUT} writes. */
public final class RewritePass implements SweepPass {
    @Override
    public String name() {
        return "rewrite";
    }

    @Override
    public void apply(Path input, Path output) {
        ElfFile elf = RewriteInput.read(input);
        Rewriter.Result r = Rewriter.rewrite(elf, LiftOptions.defaults());
        OutputFile.writeAtomically(output, r.output(), input);
    }
}
