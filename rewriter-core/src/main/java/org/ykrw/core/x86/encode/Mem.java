package org.ykrw.core.x86.encode;

import org.ykrw.core.x86.MemOperand;
import org.ykrw.core.x86.Reg;

/**
 * A memory operand to encode: {@code segment:[base + index*scale + disp]}, or {@code [rip + X]} given
 * by the ABSOLUTE address it must reach (the writer computes the displacement from the instruction's
 * end, so callers never do rip arithmetic).
 *
 * @param segment {@link MemOperand#SEG_NONE}, {@link MemOperand#SEG_FS} or {@link MemOperand#SEG_GS}
 * @param base base register ({@link Reg} numbering) or {@link Reg#NONE}
 * @param index index register or {@link Reg#NONE}; rsp cannot be an index
 * @param scale 1, 2, 4 or 8
 * @param disp displacement (ignored for rip-relative operands)
 * @param ripTarget absolute target of a rip-relative operand
 * @param ripRelative true for {@code [rip + X]}
 */
public record Mem(int segment, int base, int index, int scale, long disp, long ripTarget, boolean ripRelative) {
    public Mem {
        if (index == Reg.RSP) {
            throw new IllegalArgumentException("rsp cannot be an index register");
        }
        if (scale != 1 && scale != 2 && scale != 4 && scale != 8) {
            throw new IllegalArgumentException("scale must be 1, 2, 4 or 8: " + scale);
        }
    }

    /** @return {@code [base + disp]} */
    public static Mem base(int base, long disp) {
        return new Mem(MemOperand.SEG_NONE, base, Reg.NONE, 1, disp, 0, false);
    }

    /** @return {@code [base + index*scale + disp]} */
    public static Mem sib(int base, int index, int scale, long disp) {
        return new Mem(MemOperand.SEG_NONE, base, index, scale, disp, 0, false);
    }

    /** @return {@code [disp32]}, an absolute address */
    public static Mem absolute(long address) {
        return new Mem(MemOperand.SEG_NONE, Reg.NONE, Reg.NONE, 1, address, 0, false);
    }

    /** @return {@code [rip + (target - end of instruction)]} */
    public static Mem rip(long target) {
        return new Mem(MemOperand.SEG_NONE, Reg.NONE, Reg.NONE, 1, 0, target, true);
    }

    /** @return the same operand with an fs: or gs: segment override */
    public Mem withSegment(int newSegment) {
        return new Mem(newSegment, base, index, scale, disp, ripTarget, ripRelative);
    }
}
