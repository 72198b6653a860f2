package org.ykrw.core.x86.decode;

import org.ykrw.core.x86.Reg;

/** Maps capstone's register names ("eax", "r9b", "xmm12", "rip") to {@link Reg} numbers. */
final class RegisterNames {
    private RegisterNames() {
    }

    private static final String[][] GPR_ALIASES = {
        {"rax", "eax", "ax", "al", "ah"}, {"rcx", "ecx", "cx", "cl", "ch"}, {"rdx", "edx", "dx", "dl", "dh"},
        {"rbx", "ebx", "bx", "bl", "bh"}, {"rsp", "esp", "sp", "spl"}, {"rbp", "ebp", "bp", "bpl"},
        {"rsi", "esi", "si", "sil"}, {"rdi", "edi", "di", "dil"},
    };

    /**
     * @param name capstone register name
     * @return its full register in {@link Reg} numbering, or {@link Reg#NONE} for registers ykrw does not
     *     track (segment, control, x87, mask registers, flags: flags come from the eflags bitmask)
     */
    static int toReg(String name) {
        for (int r = 0; r < GPR_ALIASES.length; r++) {
            for (String alias : GPR_ALIASES[r]) {
                if (alias.equals(name)) {
                    return r;
                }
            }
        }
        // Parsed by hand: String.matches compiles its pattern on every call, and this runs for each of
        // capstone's ~230 register names at start-up (~20 ms with two patterns).
        int n = name.length();
        if (n >= 2 && name.charAt(0) == 'r' && Character.isDigit(name.charAt(1))) {
            int end = n > 2 && "dwb".indexOf(name.charAt(n - 1)) >= 0 ? n - 1 : n;
            int number = number(name, 1, end);
            if (number >= 8 && number <= 15) {
                return number;
            }
        }
        if ("rip".equals(name) || "eip".equals(name)) {
            return Reg.RIP;
        }
        if (n >= 4 && "xyz".indexOf(name.charAt(0)) >= 0 && name.startsWith("mm", 1)) {
            int number = number(name, 3, n);
            if (number >= 0 && number <= 31) {
                return Reg.VEC0 + number;
            }
        }
        return Reg.NONE;
    }

    /** @return the decimal number in name[from, to) (one or two digits, no leading zero), or -1 */
    private static int number(String name, int from, int to) {
        int len = to - from;
        if (len < 1 || len > 2 || len == 2 && name.charAt(from) == '0') {
            return -1;
        }
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** @return true for capstone's flags register name */
    static boolean isFlags(String name) {
        return "flags".equals(name) || "eflags".equals(name) || "rflags".equals(name);
    }
}
