package org.ykrw.core.x86.decode;

import java.util.Arrays;
import java.util.List;
import org.ykrw.core.x86.MemOperand;
import org.ykrw.core.x86.Operand;
import org.ykrw.core.x86.Reg;

/**
 * Builds the operand list of each instruction a decoder makes, sharing one instance per distinct
 * operand and per distinct operand list. Every decoded instruction stays alive and nothing is
 * collected, so each object not made is heap not faulted in. On python3.11 (700k instructions):
 * 625k register operands of 218 values, 175k memory operands (not rip-relative) of 11k, 168k
 * immediates that are not jump targets of 17k, and 477k lists of such operands of 50k. Operands and
 * lists are immutable values: sharing them is invisible.
 *
 * <p>Per decoder, so not thread-safe, like the decoder. Use: {@link #begin}, one add per operand in
 * order, {@link #finish}.
 */
final class OperandPool {
    /**
     * Register operands, shared by all decoders (a race between two threads only makes two equal
     * records; either may stay). An operand's slot here, plus one, is also its number in list keys.
     */
    private static final Operand[] REG_OPERANDS = new Operand[(Reg.VEC0 + 32 + 1) * 65 * 4];
    /** Operand numbers in list keys are this many bits wide (three per key). */
    private static final int NUMBER_BITS = 21;
    private static final long IMM_TAG = 1L << 62;
    private static final long MEM_TAG = 2L << 62;

    /** memory and immediate operands by key; entry numbers follow the register slots */
    private final ValueTable operands = new ValueTable(1 << 12);
    /** operand lists by the numbers of their operands */
    private final ValueTable lists = new ValueTable(1 << 12);

    private final Operand[] current = new Operand[8];
    private int count;
    /** the numbers of the operands added so far, or 0 once one of them is not shared */
    private long listKey;

    /** Starts the operand list of a new instruction. */
    void begin() {
        count = 0;
        listKey = 0;
    }

    /** Adds a register operand. */
    void addReg(int reg, int size, boolean read, boolean written) {
        if (reg < Reg.NONE || reg >= Reg.VEC0 + 32 || size < 0 || size > 64) {
            add(Operand.reg(reg, size, read, written), 0);
            return;
        }
        int slot = ((reg + 1) * 65 + size) * 4 + (read ? 2 : 0) + (written ? 1 : 0);
        Operand shared = REG_OPERANDS[slot];
        if (shared == null) {
            shared = Operand.reg(reg, size, read, written);
            REG_OPERANDS[slot] = shared;
        }
        add(shared, slot + 1);
    }

    /**
     * Adds an immediate operand.
     *
     * @param share false for values that seldom repeat (the targets of jumps: 142k of 100k values)
     */
    void addImm(long value, int size, boolean share) {
        if (!share || (value << 9 >> 9) != value || size < 0 || size > 127) {
            add(Operand.imm(value, size), 0);
            return;
        }
        long key = IMM_TAG | (long) size << 55 | (value & ((1L << 55) - 1));
        int slot = operands.find(key);
        if (slot >= 0) {
            add((Operand) operands.value(slot), poolNumber(operands.number(slot)));
        } else {
            Operand op = Operand.imm(value, size);
            add(op, poolNumber(operands.add(~slot, key, op)));
        }
    }

    /**
     * Adds a memory operand (rip-relative ones are not shared: their displacement is relative to the
     * instruction, so they almost never repeat).
     *
     * @param noMemoryAccess true for lea and nop: the operand is an address, not an access
     */
    void addMem(int segment, int base, int index, int scale, long disp, int size, boolean noMemoryAccess,
            boolean read, boolean written) {
        int scaleLog = Integer.numberOfTrailingZeros(scale);
        boolean keyable = base != Reg.RIP && (disp << 30 >> 30) == disp && segment >= 0 && segment < 4
                && base >= Reg.NONE && base < 127 && index >= Reg.NONE && index < 127
                && Integer.bitCount(scale) == 1 && scaleLog < 4 && size >= 0 && size < 128;
        if (!keyable) {
            add(memOperand(segment, base, index, scale, disp, size, noMemoryAccess, read, written), 0);
            return;
        }
        long key = MEM_TAG | (disp & ((1L << 34) - 1)) | (long) segment << 34 | (long) (base + 1) << 36
                | (long) (index + 1) << 43 | (long) scaleLog << 50 | (long) size << 52
                | (noMemoryAccess ? 1L << 59 : 0) | (read ? 1L << 60 : 0) | (written ? 1L << 61 : 0);
        int slot = operands.find(key);
        if (slot >= 0) {
            add((Operand) operands.value(slot), poolNumber(operands.number(slot)));
        } else {
            Operand op = memOperand(segment, base, index, scale, disp, size, noMemoryAccess, read, written);
            add(op, poolNumber(operands.add(~slot, key, op)));
        }
    }

    private static Operand memOperand(int segment, int base, int index, int scale, long disp, int size,
            boolean noMemoryAccess, boolean read, boolean written) {
        MemOperand mem = new MemOperand(segment, base, index, scale, disp, noMemoryAccess ? 0 : size);
        return Operand.mem(mem, size, read && !noMemoryAccess, written);
    }

    /** @return how many operands were added since {@link #begin} */
    int count() {
        return count;
    }

    /** @return operand {@code k} of those added since {@link #begin} */
    Operand get(int k) {
        return current[k];
    }

    /** @return the list of the operands added since {@link #begin}, shared when it can be */
    List<Operand> finish() {
        if (count == 0) {
            return List.of();
        }
        if (listKey == 0 || count > 3) {
            return newList();
        }
        int slot = lists.find(listKey);
        if (slot >= 0) {
            @SuppressWarnings("unchecked")
            List<Operand> shared = (List<Operand>) lists.value(slot);
            return shared;
        }
        List<Operand> list = newList();
        lists.add(~slot, listKey, list);
        return list;
    }

    private List<Operand> newList() {
        return switch (count) {
            case 1 -> List.of(current[0]);
            case 2 -> List.of(current[0], current[1]);
            case 3 -> List.of(current[0], current[1], current[2]);
            default -> List.of(Arrays.copyOf(current, count));
        };
    }

    /** @return the number in list keys of the pool's entry {@code entry}, 0 when it does not fit */
    private static int poolNumber(int entry) {
        int number = REG_OPERANDS.length + entry;
        return number < 1 << NUMBER_BITS ? number : 0;
    }

    /** @param number the operand's number in list keys, 0 when it has none (the list is then not shared) */
    private void add(Operand op, int number) {
        if (count == 0) {
            listKey = number;
        } else if (count < 3 && number != 0 && listKey != 0) {
            listKey |= (long) number << (NUMBER_BITS * count);
        } else {
            listKey = 0;
        }
        current[count++] = op;
    }
}
