package org.ykrw.core.x86.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.ykrw.core.x86.Reg;

/** The hand-written name parser against the patterns it replaced, over every name shape near them. */
class RegisterNamesTest {
    /** The mapping as it was written with regular expressions (for the numbered registers). */
    private static int byPattern(String name) {
        if (name.matches("r(8|9|1[0-5])[dwb]?")) {
            return Integer.parseInt(name.replaceAll("[^0-9]", ""));
        }
        if (name.matches("[xyz]mm([0-9]|[12][0-9]|3[01])")) {
            return Reg.VEC0 + Integer.parseInt(name.substring(3));
        }
        return Integer.MIN_VALUE;  // not a numbered register
    }

    @Test
    void numberedRegistersAsThePatternsSaid() {
        List<String> names = new ArrayList<>();
        for (String prefix : List.of("r", "e", "xmm", "ymm", "zmm", "mm", "k", "st", "cr", "dr")) {
            for (String digits : List.of("", "0", "1", "7", "8", "9", "08", "10", "15", "16", "19", "20", "29", "31", "32", "99", "100")) {
                for (String suffix : List.of("", "d", "w", "b", "l", "x")) {
                    names.add(prefix + digits + suffix);
                }
            }
        }
        for (String name : names) {
            int expected = byPattern(name);
            if (expected != Integer.MIN_VALUE) {
                assertEquals(expected, RegisterNames.toReg(name), name);
            } else if (!name.equals("rip") && !name.equals("eip")) {
                assertEquals(Reg.NONE, RegisterNames.toReg(name), name);
            }
        }
        assertEquals(0, RegisterNames.toReg("rax"));
        assertEquals(Reg.RIP, RegisterNames.toReg("rip"));
        assertEquals(12, RegisterNames.toReg("r12b"));
        assertEquals(Reg.VEC0 + 31, RegisterNames.toReg("zmm31"));
    }
}
