package org.ykrw.core.x86.decode;

/**
 * Byte offsets of the native capstone 4 structures read through a ByteBuffer.
 *
 * <p>Derived with {@code offsetof}/{@code sizeof} over Debian's libcapstone-dev 4.0.2 headers on
 * x86-64 (a C program doing exactly that lives in {@code CapstoneLayoutTest}, which re-checks every
 * constant whenever the headers are installed). Reading fields at fixed offsets is what makes the
 * decoder fast: JNA's Structure mapping copies every field of every instruction reflectively.
 */
final class CapstoneLayout {
    private CapstoneLayout() {
    }

    static final int INSN_SIZE = 240;
    static final int INSN_ID = 0;
    static final int INSN_ADDRESS = 8;
    static final int INSN_LENGTH = 16;
    static final int INSN_BYTES = 18;
    static final int INSN_MNEMONIC = 34;
    static final int INSN_OP_STR = 66;
    static final int INSN_DETAIL = 232;
    static final int MNEMONIC_MAX = 32;
    static final int OP_STR_MAX = 160;

    static final int DETAIL_SIZE = 1848;
    static final int DETAIL_REGS_READ = 0;
    static final int DETAIL_REGS_READ_COUNT = 24;
    static final int DETAIL_REGS_WRITE = 26;
    static final int DETAIL_REGS_WRITE_COUNT = 66;
    static final int DETAIL_GROUPS = 67;
    static final int DETAIL_GROUPS_COUNT = 75;
    static final int DETAIL_X86 = 80;

    /** Offsets below are relative to the start of cs_x86 (DETAIL_X86). */
    static final int X86_EFLAGS = 56;
    static final int X86_OP_COUNT = 64;
    static final int X86_OPERANDS = 72;
    static final int X86_ENCODING = 456;

    static final int OP_SIZE = 48;
    static final int OP_TYPE = 0;
    static final int OP_VALUE = 8;
    static final int OP_ACCESS_SIZE = 32;
    static final int OP_ACCESS = 33;

    /** Offsets inside x86_op_mem, which starts at OP_VALUE. */
    static final int MEM_SEGMENT = 0;
    static final int MEM_BASE = 4;
    static final int MEM_INDEX = 8;
    static final int MEM_SCALE = 12;
    static final int MEM_DISP = 16;

    /** Offsets inside cs_x86_encoding. */
    static final int ENC_DISP_OFFSET = 1;
    static final int ENC_DISP_SIZE = 2;
    static final int ENC_IMM_OFFSET = 3;
    static final int ENC_IMM_SIZE = 4;

    static final int CS_ARCH_X86 = 3;
    static final int CS_MODE_64 = 1 << 3;
    static final int CS_OPT_DETAIL = 2;
    static final int CS_OPT_ON = 3;

    static final int OP_REG = 1;
    static final int OP_IMM = 2;
    static final int OP_MEM = 3;
    static final int AC_READ = 1;
    static final int AC_WRITE = 2;

    static final int GRP_JUMP = 1;
    static final int GRP_CALL = 2;
    static final int GRP_RET = 3;
    static final int GRP_INT = 4;
    static final int GRP_IRET = 5;
    static final int GRP_BRANCH_RELATIVE = 7;

    /** X86_EFLAGS_* bits: per flag, the bits that test it and the bits that define it. */
    static final long TEST_FLAGS = bits(33, 34, 35, 36, 37, 50);
    static final long[] DEFINE_FLAG = {
        bits(1, 22, 30, 45, 16),  // CF: modify, reset, set, undefined, prior
        bits(4, 29, 56, 43, 15),  // PF
        bits(0, 26, 55, 44, 14),  // AF
        bits(3, 51, 54, 42, 13),  // ZF
        bits(2, 25, 53, 41, 12),  // SF
        bits(5, 21, 52, 40, 11),  // OF
    };

    private static long bits(int... positions) {
        long v = 0;
        for (int p : positions) {
            v |= 1L << p;
        }
        return v;
    }
}
