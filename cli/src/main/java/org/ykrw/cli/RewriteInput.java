package org.ykrw.cli;

import java.nio.file.Path;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.GoProgram;

/**
 * Reads an input for a command that moves code ({@code rewrite}, the sweep's rewrite pass) and refuses
 * the kinds of program whose runtime finds its own code by address, which a relocating rewrite
 * breaks however correct it is. (Found by {@code ykrw sweep /usr/bin}: every Go program there
 * exited 2 or aborted after the rewrite.)
 */
public final class RewriteInput {
    private RewriteInput() {
    }

    /**
     * @param path the input
     * @return the parsed file
     * @throws UnsupportedInputException for Go programs
     */
    public static ElfFile read(Path path) {
        ElfFile elf = ElfFile.read(path);
        if (GoProgram.isGo(elf)) {
            throw new UnsupportedInputException(path + ": Go program: the Go runtime finds functions by address"
                    + " in .gopclntab (unwinding, garbage collection), so moved code breaks it");
        }
        return elf;
    }
}
