package org.ykrw.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.ykrw.core.RewriteOptions;
import org.ykrw.core.Rewriter;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.passes.patch.PatchPass;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ykrw patch IN -o OUT --disable FN... --enable FN...}: make functions return at once, and undo
 * it. FN is a name or a 0xADDRESS (stripped binaries: `ykrw functions` lists the addresses). The
 * {@link PatchPass} runs in an in-place rewrite, which lifts nothing unless {@code --verify} asks.
 */
@Command(name = "patch", description = "Make FN return at once (--disable: its first instruction becomes ret) or"
        + " restore it exactly (--enable). FN is a name or a 0xADDRESS; both options repeat. The original bytes"
        + " are kept in a .note.ykrw.patch section.")
final class PatchCommand implements Callable<Integer> {
    @Mixin
    Outputs files;

    @Mixin
    VerifyOption verify;

    @Option(names = "--disable", paramLabel = "FN", description = "Function to make return at once (repeatable).")
    List<String> disable = new ArrayList<>();

    @Option(names = "--enable", paramLabel = "FN", description = "Function to restore (repeatable).")
    List<String> enable = new ArrayList<>();

    @Override
    public Integer call() {
        if (disable.isEmpty() && enable.isEmpty()) {
            throw new UsageException("nothing to do: give --disable FN or --enable FN");
        }
        String out = files.describe();
        ElfFile elf = ElfFile.read(files.input);
        RewriteOptions options = verify.applyTo(RewriteOptions.defaults());
        Rewriter.Result r = Inputs.withProgress(lift -> Rewriter.rewriteInPlace(elf, lift,
                List.of(new PatchPass(enable, disable)), options));
        files.write(r.output());
        for (String f : enable) {
            System.err.printf("ykrw: enabled %s -> %s%n", f, out);
        }
        for (String f : disable) {
            System.err.printf("ykrw: disabled %s -> %s%n", f, out);
        }
        return 0;
    }
}
