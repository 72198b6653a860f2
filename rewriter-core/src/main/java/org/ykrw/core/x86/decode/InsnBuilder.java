package org.ykrw.core.x86.decode;

import static org.ykrw.core.x86.decode.CapstoneLayout.*;

import java.util.List;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.MemOperand;
import org.ykrw.core.x86.Operand;
import org.ykrw.core.x86.Reg;

/** Turns one native cs_detail (already located) into an {@link Insn} value. */
final class InsnBuilder {
    private InsnBuilder() {
    }

    static Insn build(CapstoneDecoder dec, long d, long address, byte[] bytes, int id, String mnemonic) {
        long x86 = d + DETAIL_X86;
        int opCount = NativeMemory.u8(x86 + X86_OP_COUNT);
        Operand[] ops = new Operand[Math.min(opCount, 8)];
        int n = 0;
        long read = 0;
        long written = 0;
        boolean noMemoryAccess = mnemonic.equals("lea") || mnemonic.startsWith("nop");
        for (int k = 0; k < opCount && k < 8; k++) {
            long o = x86 + X86_OPERANDS + (long) k * OP_SIZE;
            int type = NativeMemory.i32(o + OP_TYPE);
            int size = NativeMemory.u8(o + OP_ACCESS_SIZE);
            int access = NativeMemory.u8(o + OP_ACCESS);
            // capstone leaves access empty for some operands: treat those as read, the safe side for liveness.
            boolean isRead = (access & AC_READ) != 0 || access == 0;
            boolean isWritten = (access & AC_WRITE) != 0;
            if (type == OP_REG) {
                int reg = dec.reg(NativeMemory.i32(o + OP_VALUE));
                ops[n++] = regOperand(reg, size, isRead, isWritten);
                read |= isRead ? Reg.bit(reg) : 0;
                written |= isWritten ? Reg.bit(reg) : 0;
            } else if (type == OP_IMM) {
                ops[n++] = Operand.imm(NativeMemory.i64(o + OP_VALUE), size);
            } else if (type == OP_MEM) {
                long m = o + OP_VALUE;
                int base = dec.reg(NativeMemory.i32(m + MEM_BASE));
                int index = dec.reg(NativeMemory.i32(m + MEM_INDEX));
                int scale = NativeMemory.i32(m + MEM_SCALE);
                MemOperand mem = new MemOperand(dec.segment(NativeMemory.i32(m + MEM_SEGMENT)), base, index,
                        scale == 0 ? 1 : scale, NativeMemory.i64(m + MEM_DISP), noMemoryAccess ? 0 : size);
                ops[n++] = Operand.mem(mem, size, isRead && !noMemoryAccess, isWritten);
                read |= Reg.bit(base) | Reg.bit(index);
            }
        }
        // An immutable list here is taken over by Insn as it is (List.copyOf does not copy it again).
        List<Operand> operands = switch (n) {
            case 0 -> List.of();
            case 1 -> List.of(ops[0]);
            case 2 -> List.of(ops[0], ops[1]);
            default -> List.of(n == ops.length ? ops : java.util.Arrays.copyOf(ops, n));
        };
        read |= implicitRegs(dec, d + DETAIL_REGS_READ, NativeMemory.u8(d + DETAIL_REGS_READ_COUNT));
        written |= implicitRegs(dec, d + DETAIL_REGS_WRITE, NativeMemory.u8(d + DETAIL_REGS_WRITE_COUNT));
        boolean implicitFlagsRead = hasFlagsReg(dec, d + DETAIL_REGS_READ, NativeMemory.u8(d + DETAIL_REGS_READ_COUNT));
        boolean implicitFlagsWrite = hasFlagsReg(dec, d + DETAIL_REGS_WRITE, NativeMemory.u8(d + DETAIL_REGS_WRITE_COUNT));

        long eflags = NativeMemory.i64(x86 + X86_EFLAGS);
        boolean readsFlags = (eflags & TEST_FLAGS) != 0 || (eflags == 0 && implicitFlagsRead);
        boolean definesAll = eflags != 0;
        boolean anyDefined = false;
        for (long mask : DEFINE_FLAG) {
            boolean defined = (eflags & mask) != 0;
            definesAll &= defined;
            anyDefined |= defined;
        }
        if (readsFlags) {
            read |= Reg.bit(Reg.FLAGS);
        }
        if (definesAll) {
            written |= Reg.bit(Reg.FLAGS);
        }
        boolean modifiesFlags = anyDefined || implicitFlagsWrite;

        FlowKind flow = classify(d, mnemonic, operands);
        long target = Insn.NO_TARGET;
        if (flow.isDirect() && !operands.isEmpty() && operands.get(0).kind() == Operand.Kind.IMM) {
            target = operands.get(0).imm();
        }
        long enc = x86 + X86_ENCODING;
        int dispOffset = NativeMemory.u8(enc + ENC_DISP_OFFSET);
        int dispSize = NativeMemory.u8(enc + ENC_DISP_SIZE);
        // Indexed, not for-each: C1 does not remove the iterator, one more object per instruction.
        for (int k = 0; k < operands.size(); k++) {
            Operand op = operands.get(k);
            if (op.kind() == Operand.Kind.MEM && op.mem().isRipRelative() && dispSize != 4) {
                // capstone 4 leaves the encoding fields empty for some SSE/AVX forms: find the disp32 by value.
                dispOffset = findDisp32(bytes, op.mem().disp(), NativeMemory.u8(enc + ENC_IMM_SIZE));
                dispSize = dispOffset > 0 ? 4 : 0;
            }
        }
        return new Insn(address, bytes, id, mnemonic, LazyOperandText.SHARED, flow, target, operands, read, written, modifiesFlags,
                dispOffset, dispSize, NativeMemory.u8(enc + ENC_IMM_OFFSET), NativeMemory.u8(enc + ENC_IMM_SIZE));
    }

    /**
     * Register operands repeat endlessly (a few hundred distinct values over a whole program) and every
     * decoded instruction stays alive in the IR: sharing one record per value keeps the heap, and the
     * garbage collector's copying, small. Operands are immutable values, so sharing is invisible.
     */
    private static final Operand[] REG_OPERANDS = new Operand[(Reg.VEC0 + 32 + 1) * 65 * 4];

    private static Operand regOperand(int reg, int size, boolean read, boolean written) {
        int slot = ((reg + 1) * 65 + Math.min(size, 64)) * 4 + (read ? 2 : 0) + (written ? 1 : 0);
        if (reg < Reg.NONE || reg >= Reg.VEC0 + 32 || size > 64) {
            return Operand.reg(reg, size, read, written);
        }
        Operand shared = REG_OPERANDS[slot];
        if (shared == null) {
            // A race between two decoder threads only makes two equal records; either may stay.
            shared = Operand.reg(reg, size, read, written);
            REG_OPERANDS[slot] = shared;
        }
        return shared;
    }

    /** @return the offset of the last 4 bytes before the immediate equal to {@code disp}, or 0 */
    private static int findDisp32(byte[] b, long disp, int immSize) {
        for (int i = b.length - 4 - immSize; i >= 1; i--) {
            int v = (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
            if (v == (int) disp) {
                return i;
            }
        }
        return 0;
    }

    private static FlowKind classify(long d, String mnemonic, List<Operand> operands) {
        int groups = NativeMemory.u8(d + DETAIL_GROUPS_COUNT);
        boolean jump = false, call = false, ret = false, intr = false;
        for (int g = 0; g < groups && g < 8; g++) {
            switch (NativeMemory.u8(d + DETAIL_GROUPS + g)) {
                case GRP_JUMP -> jump = true;
                case GRP_CALL -> call = true;
                case GRP_RET, GRP_IRET -> ret = true;
                case GRP_INT -> intr = true;
                default -> { }
            }
        }
        boolean immTarget = !operands.isEmpty() && operands.get(0).kind() == Operand.Kind.IMM;
        if (ret) {
            return FlowKind.RETURN;
        }
        if (mnemonic.startsWith("loop") && immTarget) {
            return FlowKind.COND_JUMP;  // capstone 4 puts loop/loope/loopne in no jump group
        }
        if (call) {
            return immTarget ? FlowKind.CALL : FlowKind.INDIRECT_CALL;
        }
        if (jump) {
            if (!immTarget) {
                return FlowKind.INDIRECT_JUMP;
            }
            return mnemonic.equals("jmp") ? FlowKind.JUMP : FlowKind.COND_JUMP;
        }
        if (mnemonic.equals("ud2") || mnemonic.equals("ud1") || mnemonic.equals("ud0") || mnemonic.equals("hlt")
                || mnemonic.equals("int3")) {
            return FlowKind.TRAP;
        }
        return FlowKind.SEQUENTIAL;
    }

    private static long implicitRegs(CapstoneDecoder dec, long at, int count) {
        long set = 0;
        for (int i = 0; i < count; i++) {
            set |= Reg.bit(dec.reg(NativeMemory.u16(at + 2L * i)));
        }
        return set;
    }

    private static boolean hasFlagsReg(CapstoneDecoder dec, long at, int count) {
        for (int i = 0; i < count; i++) {
            if (dec.isFlagsReg(NativeMemory.u16(at + 2L * i))) {
                return true;
            }
        }
        return false;
    }
}
