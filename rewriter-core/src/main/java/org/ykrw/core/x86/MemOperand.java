package org.ykrw.core.x86;

/**
 * A memory operand {@code segment:[base + index*scale + disp]} in {@link Reg} numbering.
 *
 * @param segment {@link #SEG_NONE}, {@link #SEG_FS} or {@link #SEG_GS} (other segments are flat in 64-bit mode)
 * @param base base register or {@link Reg#NONE}; {@link Reg#RIP} for rip-relative operands
 * @param index index register or {@link Reg#NONE}
 * @param scale 1, 2, 4 or 8
 * @param disp displacement as encoded (for rip-relative: relative to the end of the instruction)
 * @param size access size in bytes (0 when the instruction does not access memory, as with lea)
 */
public record MemOperand(int segment, int base, int index, int scale, long disp, int size) {
    public static final int SEG_NONE = 0;
    public static final int SEG_FS = 1;
    public static final int SEG_GS = 2;

    /** @return true for {@code [rip + disp]} */
    public boolean isRipRelative() {
        return base == Reg.RIP;
    }

    /** @return true for an absolute {@code [disp32]} or {@code [index*scale + disp32]} operand */
    public boolean hasNoBase() {
        return base == Reg.NONE;
    }
}
