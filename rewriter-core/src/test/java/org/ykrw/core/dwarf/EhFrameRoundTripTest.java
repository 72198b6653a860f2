package org.ykrw.core.dwarf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Section;

/**
 * Round trips of the unwind-information writers on real files: written back at its own address,
 * .eh_frame comes out byte for byte as it went in, and so does every LSDA rewritten with identity maps
 * at its own address; written elsewhere, .eh_frame parses back to the same FDEs. CFA programs split
 * into rows start at pc_begin and stay in address order.
 */
class EhFrameRoundTripTest {
    private static final String LIBSTDCXX = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
    private static final String LIBC = "/usr/lib/x86_64-linux-gnu/libc.so.6";

    @ParameterizedTest
    @ValueSource(strings = {"/usr/bin/ls", LIBSTDCXX, LIBC})
    void ehFrameWrittenInPlaceIsUnchanged(String file) {
        ElfFile elf = ElfFile.read(Path.of(file));
        EhFrame frame = EhFrame.read(elf);
        Section s = elf.section(".eh_frame").orElseThrow();
        EhFrameWriter w = new EhFrameWriter(s.address());
        w.copy(frame);
        byte[] written = w.finish();
        byte[] original = Arrays.copyOfRange(elf.data(), (int) s.offset(), (int) (s.offset() + s.size()));
        assertArrayEquals(original, Arrays.copyOf(written, original.length));
        assertEquals(frame.fdes().stream().filter(f -> f.pcRange() > 0 && f.pcBegin() != 0).count(), w.table().size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/usr/bin/ls", LIBSTDCXX})
    void ehFrameWrittenElsewhereParsesBack(String file) {
        ElfFile elf = ElfFile.read(Path.of(file));
        EhFrame frame = EhFrame.read(elf);
        long elsewhere = 0x4000_0000L;
        EhFrameWriter w = new EhFrameWriter(elsewhere);
        w.copy(frame);
        List<EhFrame.Fde> back = EhFrame.parseForTest(w.finish(), elsewhere);
        assertEquals(frame.fdes().size(), back.size());
        for (int i = 0; i < back.size(); i++) {
            EhFrame.Fde a = frame.fdes().get(i);
            EhFrame.Fde b = back.get(i);
            assertEquals(a.pcBegin(), b.pcBegin());
            assertEquals(a.pcRange(), b.pcRange());
            assertEquals(a.lsda(), b.lsda());
            assertEquals(a.cie().personality(), b.cie().personality());
            assertArrayEquals(a.instructions(), b.instructions());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {LIBSTDCXX})
    void lsdaRewrittenInPlaceWithIdentityMapsIsUnchanged(String file) {
        ElfFile elf = ElfFile.read(Path.of(file));
        int checked = 0;
        for (EhFrame.Fde f : EhFrame.read(elf).fdes()) {
            if (f.lsda() == 0) {
                continue;
            }
            LsdaRemapper r = new LsdaRemapper(elf, f.lsda(), f.pcBegin());
            byte[] written = r.write(f.lsda(), f.pcBegin(), f.pcEnd(), old -> Math.min(old, f.pcEnd()), old -> old);
            long off = elf.fileOffset(f.lsda());
            byte[] original = Arrays.copyOfRange(elf.data(), (int) off, (int) off + written.length);
            assertArrayEquals(original, written, String.format("LSDA at 0x%x", f.lsda()));
            checked++;
        }
        assertTrue(checked > 500, "LSDAs checked: " + checked);
    }

    @ParameterizedTest
    @ValueSource(strings = {LIBSTDCXX, LIBC})
    void cfaRowsStartAtPcBeginInAddressOrder(String file) {
        ElfFile elf = ElfFile.read(Path.of(file));
        for (EhFrame.Fde f : EhFrame.read(elf).fdes()) {
            CfaProgram p = CfaProgram.of(f);
            long loc = Long.MIN_VALUE;
            for (CfaProgram.Row row : p.rows()) {
                assertTrue(row.loc() >= loc, "rows in address order");
                loc = row.loc();
            }
            assertEquals(f.pcBegin(), p.rows().get(0).loc());
            assertEquals(p.rows().size() - 1, p.rowAt(f.pcEnd() + 1000));
        }
    }
}
