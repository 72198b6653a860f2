package org.ykrw.core.x86;

/**
 * One explicit operand of an instruction.
 *
 * @param kind register, immediate or memory
 * @param reg register in {@link Reg} numbering for REG operands, else {@link Reg#NONE}
 * @param imm value of an IMM operand (sign-extended as the instruction uses it)
 * @param mem the memory operand for MEM operands, else null
 * @param size operand size in bytes
 * @param read the instruction reads this operand
 * @param written the instruction writes this operand
 */
public record Operand(Kind kind, int reg, long imm, MemOperand mem, int size, boolean read, boolean written) {
    /** Operand kinds. */
    public enum Kind { REG, IMM, MEM }

    /** @return a register operand */
    public static Operand reg(int reg, int size, boolean read, boolean written) {
        return new Operand(Kind.REG, reg, 0, null, size, read, written);
    }

    /** @return an immediate operand */
    public static Operand imm(long value, int size) {
        return new Operand(Kind.IMM, Reg.NONE, value, null, size, true, false);
    }

    /** @return a memory operand */
    public static Operand mem(MemOperand mem, int size, boolean read, boolean written) {
        return new Operand(Kind.MEM, Reg.NONE, 0, mem, size, read, written);
    }
}
