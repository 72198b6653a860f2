package org.ykrw.coverage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.Program;
import org.ykrw.core.testutil.Tools;

/**
 * A compiled coverage fixture (rewriter-core's src/test/resources/coverage/branches.c, which the DWARF
 * line-table test there compiles too), lifted, with the block map
 * an instrumenter would write: every block of every non-PLT function gets the next probe.
 *
 * @param binary the compiled program
 * @param elf its model
 * @param program its lifted IR
 * @param map its block map
 */
record Fixture(Path binary, ElfFile elf, Program program, BlockMap map) {
    static final Path SOURCE = Path.of("../rewriter-core/src/test/resources/coverage/branches.c").toAbsolutePath()
            .normalize();

    /**
     * @param dir where to build
     * @param flags compiler and flags, e.g. "gcc", "-O0", "-g"
     * @return the fixture
     */
    static Fixture build(Path dir, String... flags) {
        Path bin = dir.resolve("branches-" + String.join("", flags).replaceAll("[^A-Za-z0-9]", ""));
        List<String> cmd = new java.util.ArrayList<>(List.of(flags));
        cmd.addAll(List.of("-o", bin.toString(), SOURCE.toString()));
        Tools.output(cmd);
        try {
            byte[] bytes = Files.readAllBytes(bin);
            ElfFile elf = ElfFile.parse(bytes, bin.toString());
            Program p = CfgBuilder.lift(elf, LiftOptions.defaults());
            int[] next = {0};
            BlockMap map = BlockMap.fromProgram(p, bin.getFileName().toString(), BlockMap.mapIdOf(bytes), "coverage",
                    b -> b.function().isPlt() ? BlockMap.NO_PROBE : next[0]++, List.of());
            return new Fixture(bin, elf, p, map);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the map's function called {@code name} */
    BlockMap.MappedFunction function(String name) {
        return map.functions().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
    }
}
