package org.ykrw.core.testutil;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.Program;

/** Hand-written assembly built with gcc and lifted as ykrw lifts any input, for analysis tests. */
public final class Assembled {
    private Assembled() {
    }

    /**
     * @param dir where the source and the binary go
     * @param name the binary's file name
     * @param asm the assembly source
     * @param gccFlags further flags ({@code -shared} for a library)
     * @return the lifted binary
     */
    public static Program lift(Path dir, String name, String asm, String... gccFlags) throws IOException {
        Path source = dir.resolve(name + ".s");
        Files.writeString(source, asm);
        Path bin = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of("gcc", "-o", bin.toString()));
        cmd.addAll(List.of(gccFlags));
        cmd.add(source.toString());
        Tools.output(cmd);
        return CfgBuilder.lift(ElfFile.read(bin), LiftOptions.defaults());
    }
}
