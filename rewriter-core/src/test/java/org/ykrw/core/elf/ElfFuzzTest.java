package org.ykrw.core.elf;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.dwarf.EhFrame;
import org.ykrw.core.dwarf.Lsda;

/**
 * Jazzer fuzz tests of the ELF reader and of lifting. Whatever the bytes, parsing and lifting either
 * succeed or throw a one-line {@link YkrwException}; any other throwable is a finding.
 *
 * <p>Without {@code JAZZER_FUZZ} set (plain {@code mvn verify}) each test replays its inputs in
 * {@code src/test/resources/org/ykrw/core/elf/ElfFuzzTestInputs/<method>/}: that is where a crash
 * found by fuzzing goes, as a regression input. With {@code JAZZER_FUZZ=1} jazzer fuzzes the one test
 * selected with {@code -Dtest=ElfFuzzTest#method} for its {@code maxDuration} (the rewriter-core pom's
 * {@code fuzz} profile does this for both, 30 s each, on CI).
 *
 * <p>The seed inputs (256 arbitrary bytes each) only give libFuzzer room to grow its inputs from.
 * Raw bytes rarely get past the ELF magic, so {@link #damagedTrueLifts} starts from a valid file
 * (/bin/true) and lets the fuzzer choose the damage: a truncation length and a list of byte, 16-, 32-
 * and 64-bit writes at chosen offsets, weighted towards the headers and tables where the reader looks.
 */
class ElfFuzzTest {
    private static final byte[] TRUE = read("/bin/true");

    private static byte[] read(String path) {
        try {
            return Files.readAllBytes(Path.of(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** EI_MAG, ELFCLASS64, ELFDATA2LSB, EV_CURRENT: put before inputs that do not start with the magic. */
    private static final byte[] IDENT = {0x7F, 'E', 'L', 'F', 2, 1, 1};

    @FuzzTest(maxDuration = "30s")
    void readerTakesAnyBytes(byte[] data) {
        // Raw fuzzer bytes almost never spell the magic: give most inputs a valid identification so the
        // fuzzer spends its time on the header fields and tables behind it.
        byte[] b = data;
        if (data.length > 0 && data[0] != 0x7F) {
            b = new byte[IDENT.length + data.length];
            System.arraycopy(IDENT, 0, b, 0, IDENT.length);
            System.arraycopy(data, 0, b, IDENT.length, data.length);
        }
        try {
            ElfFile elf = ElfFile.parse(b, "fuzzed");
            touchEverything(elf);
        } catch (YkrwException expected) {
            // a clean refusal
        }
    }

    @FuzzTest(maxDuration = "30s")
    void damagedTrueLifts(FuzzedDataProvider fuzz) {
        byte[] b = TRUE.clone();
        int writes = fuzz.consumeInt(0, 8);
        for (int i = 0; i < writes; i++) {
            // Half the writes land in the first 4 KiB (ELF and program headers, .interp, .dynsym ...),
            // half anywhere, which includes the section header table at the end.
            int at = fuzz.consumeBoolean() ? fuzz.consumeInt(0, Math.min(4095, b.length - 8))
                    : fuzz.consumeInt(0, b.length - 8);
            switch (fuzz.consumeInt(0, 3)) {
                case 0 -> b[at] = fuzz.consumeByte();
                case 1 -> put(b, at, fuzz.consumeShort(), 2);
                case 2 -> put(b, at, fuzz.consumeInt(), 4);
                default -> put(b, at, fuzz.consumeLong(), 8);
            }
        }
        if (fuzz.consumeBoolean()) {
            b = Arrays.copyOf(b, fuzz.consumeInt(0, b.length));
        }
        try {
            ElfFile elf = ElfFile.parse(b, "fuzzed");
            touchEverything(elf);
            CfgBuilder.lift(elf, LiftOptions.defaults());
        } catch (YkrwException expected) {
            // a clean refusal
        }
    }

    private static void put(byte[] b, int at, long value, int width) {
        for (int i = 0; i < width; i++) {
            b[at + i] = (byte) (value >>> 8 * i);
        }
    }

    /** Every lazily parsed part of the model, so damage in any of them is reached. */
    private static void touchEverything(ElfFile elf) {
        elf.interpreter();
        elf.neededLibraries();
        elf.pltEntries();
        for (EhFrame.Fde fde : EhFrame.functionRanges(elf)) {
            Lsda.landingPads(elf, fde);
        }
        elf.initArray();
        elf.finiArray();
        elf.preinitArray();
        elf.relativeCodePointers();
        elf.isPie();
        elf.isExecutableAddress(elf.entry());
    }
}
