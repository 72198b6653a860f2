package org.ykrw.core.elf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.dwarf.EhFrame;

/**
 * Random damage to a real executable (byte flips in the headers and tables, truncation) either
 * parses and lifts, or fails with a YkrwException: never an index, arithmetic or null-pointer error.
 */
class CorruptionPropertyTest {
    private static final byte[] TRUE = read();

    private static byte[] read() {
        try {
            return Files.readAllBytes(Path.of("/bin/true"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Property(tries = 300)
    void flippedHeaderBytesFailCleanly(@ForAll @IntRange(min = 0, max = 0x3ff) int offset,
            @ForAll byte value, @ForAll @IntRange(min = 0, max = 3) int extraFlips, @ForAll long seed) {
        byte[] b = TRUE.clone();
        b[offset] = value;
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < extraFlips; i++) {
            // Also hit the section header table and the tables it points to, at the end of the file.
            int at = r.nextBoolean() ? r.nextInt(0x400) : b.length - 1 - r.nextInt(Math.min(b.length, 0x800));
            b[at] = (byte) r.nextInt(256);
        }
        parseAndLift(b);
    }

    @Property(tries = 100)
    void truncationFailsCleanly(@ForAll @IntRange(min = 0, max = 100_000) int length) {
        parseAndLift(Arrays.copyOf(TRUE, Math.min(length, TRUE.length)));
    }

    private static void parseAndLift(byte[] b) {
        try {
            ElfFile elf = ElfFile.parse(b, "damaged");
            elf.pltEntries();
            EhFrame.functionRanges(elf);
            elf.initArray();
            elf.finiArray();
            elf.relativeCodePointers();
            elf.neededLibraries();
            elf.interpreter();
            CfgBuilder.lift(elf, LiftOptions.defaults());
        } catch (YkrwException expected) {
            // a clean, one-line refusal
        }
    }
}
