package org.ykrw.core.x86;

/**
 * Compact register numbering used by the IR and by liveness: each architectural register is a bit
 * in a {@code long} set. Sub-registers (eax, ax, al, ah, r8d ...) map to their full register.
 *
 * <p>Bits 0-15: rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8-r15 (hardware encoding order).
 * Bit 16: rip. Bit 17: rflags (all status flags as one unit). Bits 32-63: xmm/ymm/zmm 0-31.
 * {@link #NONE} is -1.
 */
public final class Reg {
    private Reg() {
    }

    public static final int NONE = -1;
    public static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
    public static final int R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;
    public static final int RIP = 16;
    public static final int FLAGS = 17;
    /** First vector register; xmmN/ymmN/zmmN is {@code VEC0 + N}. */
    public static final int VEC0 = 32;

    private static final String[] GPR_NAMES = {
        "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

    /** @return the bit for register {@code reg} in a register set, 0 for NONE */
    public static long bit(int reg) {
        return reg < 0 ? 0L : 1L << reg;
    }

    /** @return true for the registers the System V ABI has callees preserve (rbx, rbp, r12..r15) */
    public static boolean isCalleeSaved(int reg) {
        return reg == RBX || reg == RBP || reg >= R12 && reg <= R15;
    }

    /** @return true for rax..r15 */
    public static boolean isGpr(int reg) {
        return reg >= RAX && reg <= R15;
    }

    /** @return the 64-bit name of a register ("rax", "rip", "flags", "xmm3") */
    public static String name(int reg) {
        if (isGpr(reg)) {
            return GPR_NAMES[reg];
        }
        if (reg == RIP) {
            return "rip";
        }
        if (reg == FLAGS) {
            return "flags";
        }
        if (reg >= VEC0 && reg < VEC0 + 32) {
            return "xmm" + (reg - VEC0);
        }
        return reg == NONE ? "none" : "reg" + reg;
    }

    /** @return the register number for a 64-bit GPR name, or NONE */
    public static int byName(String name) {
        for (int i = 0; i < GPR_NAMES.length; i++) {
            if (GPR_NAMES[i].equals(name)) {
                return i;
            }
        }
        return "rip".equals(name) ? RIP : NONE;
    }

    /** Caller-saved (clobbered across a call) GPRs of the SysV x86-64 ABI. */
    public static final long CALLER_SAVED_GPRS = bit(RAX) | bit(RCX) | bit(RDX) | bit(RSI) | bit(RDI)
            | bit(R8) | bit(R9) | bit(R10) | bit(R11);

    /** Every vector register bit. */
    public static final long ALL_VECTORS = 0xFFFF_FFFF_0000_0000L;
}
