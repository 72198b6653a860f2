package org.ykrw.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.passes.patch.ReturnPatcher;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ykrw patch IN -o OUT --disable FN | --enable FN}: make a function return at once, and undo it. */
@Command(name = "patch", description = "Make FN return at once (--disable: its first instruction becomes ret) or"
        + " restore it exactly (--enable). The original bytes are kept in a .note.ykrw.patch section.")
final class PatchCommand implements Callable<Integer> {
    @Mixin
    Outputs files;

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
        Path out = files.destination();
        ElfFile elf = ElfFile.read(files.input);
        byte[] result = action.disable != null ? ReturnPatcher.disable(elf, action.disable)
                : ReturnPatcher.enable(elf, action.enable);
        files.write(result);
        System.err.printf("ykrw: %s %s -> %s%n", action.disable != null ? "disabled" : "enabled",
                action.disable != null ? action.disable : action.enable, out);
        return 0;
    }
}
