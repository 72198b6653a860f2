package org.ykrw.core.pass;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ykrw.core.diag.UnsupportedInputException;

/**
 * The variant II arithmetic of {@link ThreadLocalArea}: with the runtime's bytes put in front of the
 * program's template, every program variable's tpoff ({@code offset - roundup(memsz, align)}, what its
 * code holds) must stay the same, and the reserved bytes must lie below the program's block, aligned.
 */
class ThreadLocalAreaTest {
    @ParameterizedTest(name = "memsz {0} align {1}, reserve {2} aligned {3}")
    @CsvSource({"0, 1, 1, 1", "4, 4, 1, 1", "0x29, 16, 1, 1", "0x29, 16, 24, 8", "5, 1, 8, 64", "100, 8, 3, 32",
        "0x70, 8, 1, 1"})
    void programOffsetsStayAndReservationsAreBelow(String memsz, int align, int bytes, int alignment) {
        long size = Long.decode(memsz);
        ThreadLocalArea area = new ThreadLocalArea(size, align, null);
        long oldRounded = (size + align - 1) / align * align;
        long tpoff = area.reserve(bytes, alignment);
        long second = area.reserve(2, 2);
        // the new template: prefix, then the program's; its end rounded to the new alignment is the thread pointer
        long newRounded = (area.templateSize() + area.align() - 1) / area.align() * area.align();
        assertEquals(area.blockSize(), newRounded);
        for (long offset = 0; offset < size; offset++) {
            assertEquals(offset - oldRounded, area.prefix() + offset - newRounded, "program variable at " + offset);
        }
        assertEquals(0, area.prefix() % align, "program variables keep their alignment");
        assertTrue(tpoff + bytes <= -oldRounded && tpoff >= -area.blockSize(), "below the program's block");
        assertEquals(0, Math.floorMod(tpoff, alignment));
        assertTrue(second + 2 <= tpoff && second >= -area.blockSize(), "a later reservation leaves the first alone");
    }

    @Test
    void refusedAreaSaysWhy() {
        ThreadLocalArea area = new ThreadLocalArea(0, 1, "x.so: no");
        assertEquals("x.so: no", assertThrows(UnsupportedInputException.class, () -> area.reserve(1, 1)).getMessage());
    }
}
