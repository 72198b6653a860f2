package org.ykrw.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.emit.OutputFile;
import org.ykrw.passes.patch.ReturnPatcher;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ykrw patch IN -o OUT --disable FN | --enable FN}: make a function return at once, and undo it. */
@Command(name = "patch", description = "Make FN return at once (--disable: its first instruction becomes ret) or"
        + " restore it exactly (--enable). The original bytes are kept in a .note.ykrw.patch section.")
final class PatchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "IN", description = "x86-64 ELF executable or shared library")
    Path input;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "Where to write the result.")
    Path output;

    @Option(names = "--in-place", description = "Replace IN (written atomically; IN is never half-written).")
    boolean inPlace;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    /** Exactly one of the two actions. */
    static final class Action {
        @Option(names = "--disable", paramLabel = "FN", description = "Function to make return at once.")
        String disable;

        @Option(names = "--enable", paramLabel = "FN", description = "Function to restore.")
        String enable;
    }

    @Override
    public Integer call() {
        Path out = Outputs.destination(input, output, inPlace);
        ElfFile elf = ElfFile.read(input);
        byte[] result = action.disable != null ? ReturnPatcher.disable(elf, action.disable)
                : ReturnPatcher.enable(elf, action.enable);
        OutputFile.writeAtomically(out, result, input);
        System.err.printf("ykrw: %s %s -> %s%n", action.disable != null ? "disabled" : "enabled",
                action.disable != null ? action.disable : action.enable, out);
        return 0;
    }
}
