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
        if (name.matches("r(8|9|1[0-5])[dwb]?")) {
            return Integer.parseInt(name.replaceAll("[^0-9]", ""));
        }
        if ("rip".equals(name) || "eip".equals(name)) {
            return Reg.RIP;
        }
        if (name.matches("[xyz]mm([0-9]|[12][0-9]|3[01])")) {
            return Reg.VEC0 + Integer.parseInt(name.substring(3));
        }
        return Reg.NONE;
    }

    /** @return true for capstone's flags register name */
    static boolean isFlags(String name) {
        return "flags".equals(name) || "eflags".equals(name) || "rflags".equals(name);
    }
}
