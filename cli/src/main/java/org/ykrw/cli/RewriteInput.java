package org.ykrw.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.AddressKeyedRuntime;
import org.ykrw.core.elf.YkrwOutput;

/**
 * Reads an input for a command that moves code ({@code rewrite}, the sweep's rewrite pass) and refuses
 * the kinds of program whose runtime finds its own code by address, which a relocating rewrite
 * breaks however correct it is ({@link AddressKeyedRuntime}: Go, V8 embedders whose embedded blob
 * cannot be located; the library refuses them too, in {@code Rewriter.rewrite}: checked here first,
 * before any other work), and ykrw's own outputs ({@link YkrwOutput}).
 */
public final class RewriteInput {
    private RewriteInput() {
    }

    /**
     * @param path the input
     * @return the parsed file
     * @throws UnsupportedInputException for programs of such runtimes
     */
    public static ElfFile read(Path path) {
        ElfFile elf = ElfFile.read(path);
        YkrwOutput.mark(elf).ifPresent(section -> {
            Path original = Path.of(path + ".orig");
            throw new UnsupportedInputException(path + ": already rewritten by ykrw (it has " + section
                    + "): give the original" + (Files.isRegularFile(original) ? " (" + original + ")" : "") + " instead");
        });
        AddressKeyedRuntime.refuseToMove(elf);  // the library's own refusal, made before any other work
        return elf;
    }
}
