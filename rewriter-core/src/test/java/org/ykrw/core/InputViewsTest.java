package org.ykrw.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfSymbol;
import org.ykrw.core.elf.PltEntry;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.ProgramSymbols;
import org.ykrw.core.pass.RelocationView;
import org.ykrw.core.testutil.Tools;

/** The ELF-free views passes read agree with the ELF model they are made from, on a program built here. */
class InputViewsTest {
    @TempDir
    Path dir;

    private static final String SOURCE = """
            #include <stdio.h>
            #include <stdlib.h>
            void (*volatile hook)(const char *) = 0;
            int helper(int x) { return x * 3 + 1; }
            int main(int argc, char **argv) {
                if (argc > 2) hook = (void (*)(const char *)) perror;
                if (hook) hook("x");
                puts(argv[0]);
                return helper(atoi(argc > 1 ? argv[1] : "2")) & 1;
            }
            """;

    private ElfFile compile(String... flags) throws IOException {
        Path src = dir.resolve("main.c");
        Files.writeString(src, SOURCE);
        Path bin = dir.resolve("main");
        List<String> cmd = new java.util.ArrayList<>(List.of("gcc", "-O1", "-o", bin.toString(), src.toString()));
        cmd.addAll(List.of(flags));
        Tools.output(cmd);
        return ElfFile.read(bin);
    }

    @Test
    void viewsMatchTheElfModel() throws IOException {
        ElfFile elf = compile("-fno-plt");
        ElfFile withPlt = compile();
        PassInput.InputFacts facts = InputViews.of(withPlt, null);
        ProgramSymbols symbols = facts.symbols().get();
        ElfSymbol helper = withPlt.symbols().stream().filter(s -> s.name().equals("helper")).findFirst().orElseThrow();
        assertEquals(helper.value(), symbols.function("helper").orElseThrow().address());
        assertEquals(helper.size(), symbols.function("helper").orElseThrow().size());
        assertTrue(symbols.function("puts").isEmpty(), "an import is not a defined function");
        PltEntry puts = withPlt.pltEntries().stream().filter(p -> p.symbolName().equals("puts")).findFirst().orElseThrow();
        assertEquals(Set.of(puts.address()), facts.plt().get().addressesOf(Set.of("puts")));
        assertTrue(facts.relocations().get().slots().stream().anyMatch(s -> s.symbol().equals("puts")
                && s.kind() == RelocationView.Kind.PLT_SLOT && s.address() == puts.gotAddress()));
        // -fno-plt: puts is called through a GOT entry that a GLOB_DAT relocation fills
        RelocationView noPlt = InputViews.of(elf, null).relocations().get();
        assertTrue(noPlt.slots().stream().anyMatch(s -> s.symbol().equals("puts") && s.kind() == RelocationView.Kind.GOT_ENTRY),
                noPlt.toString());
        assertEquals(1, noPlt.functionSlotsOf(Set.of("puts")).size());
    }
}
