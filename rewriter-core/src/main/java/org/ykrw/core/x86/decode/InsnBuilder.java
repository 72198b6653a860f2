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

    /**
     * @param low bytes 0..7 of the encoding, little-endian (bytes past {@code length} are ignored)
     * @param high bytes 8..15 of capstone's field
     * @param kind the {@link MnemonicKind} flags of the spelling's mnemonic
     */
    static Insn build(CapstoneDecoder dec, long d, long address, long low, long high, int length, int id,
            Insn.Spelling spelling, int kind) {
        long x86 = d + DETAIL_X86;
        int opCount = NativeMemory.u8(x86 + X86_OP_COUNT);
        int groups = NativeMemory.u8(d + DETAIL_GROUPS_COUNT);
        boolean jump = false, call = false, ret = false;
        for (int g = 0; g < groups && g < 8; g++) {
            switch (NativeMemory.u8(d + DETAIL_GROUPS + g)) {
                case GRP_JUMP -> jump = true;
                case GRP_CALL -> call = true;
                case GRP_RET, GRP_IRET -> ret = true;
                default -> { }
            }
        }
        // Jump targets seldom repeat (python3.11: 142k of 99k values): not worth a lookup each.
        boolean shareImm = !jump && (kind & MnemonicKind.LOOP) == 0;
        OperandPool pool = dec.operandPool();
        pool.begin();
        long read = 0;
        long written = 0;
        boolean noMemoryAccess = (kind & MnemonicKind.ADDRESS_ONLY) != 0;
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
                pool.addReg(reg, size, isRead, isWritten);
                read |= isRead ? Reg.bit(reg) : 0;
                written |= isWritten ? Reg.bit(reg) : 0;
            } else if (type == OP_IMM) {
                pool.addImm(NativeMemory.i64(o + OP_VALUE), size, shareImm);
            } else if (type == OP_MEM) {
                long m = o + OP_VALUE;
                int base = dec.reg(NativeMemory.i32(m + MEM_BASE));
                int index = dec.reg(NativeMemory.i32(m + MEM_INDEX));
                int scale = NativeMemory.i32(m + MEM_SCALE);
                pool.addMem(dec.segment(NativeMemory.i32(m + MEM_SEGMENT)), base, index, scale == 0 ? 1 : scale,
                        NativeMemory.i64(m + MEM_DISP), size, noMemoryAccess, isRead, isWritten);
                read |= Reg.bit(base) | Reg.bit(index);
            }
        }
        List<Operand> operands = pool.finish();
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

        // The operands are read back from the pool, a final class: through List, each size() and get()
        // was an interface call C1 does not inline.
        boolean immTarget = pool.count() > 0 && pool.get(0).kind() == Operand.Kind.IMM;
        FlowKind flow = classify(jump, call, ret, kind, immTarget);
        long enc = x86 + X86_ENCODING;
        int dispOffset = NativeMemory.u8(enc + ENC_DISP_OFFSET);
        int dispSize = NativeMemory.u8(enc + ENC_DISP_SIZE);
        for (int k = 0; k < pool.count(); k++) {
            Operand op = pool.get(k);
            if (op.kind() == Operand.Kind.MEM && op.mem().isRipRelative() && dispSize != 4) {
                // capstone 4 leaves the encoding fields empty for some SSE/AVX forms: find the disp32 by value.
                dispOffset = findDisp32(low, high, length, op.mem().disp(), NativeMemory.u8(enc + ENC_IMM_SIZE));
                dispSize = dispOffset > 0 ? 4 : 0;
            }
        }
        return new Insn(address, low, high, length, id, spelling, flow, operands, read, written, modifiesFlags,
                dispOffset, dispSize, NativeMemory.u8(enc + ENC_IMM_OFFSET), NativeMemory.u8(enc + ENC_IMM_SIZE));
    }

    /** @return the offset of the last 4 bytes before the immediate equal to {@code disp}, or 0 */
    private static int findDisp32(long low, long high, int length, long disp, int immSize) {
        for (int i = length - 4 - immSize; i >= 1; i--) {
            int v = byteAt(low, high, i) | byteAt(low, high, i + 1) << 8 | byteAt(low, high, i + 2) << 16
                    | byteAt(low, high, i + 3) << 24;
            if (v == (int) disp) {
                return i;
            }
        }
        return 0;
    }

    /** @return byte {@code i} of an encoding held as two little-endian words */
    private static int byteAt(long low, long high, int i) {
        return (int) ((i < 8 ? low >>> (8 * i) : high >>> (8 * (i - 8))) & 0xFF);
    }

    private static FlowKind classify(boolean jump, boolean call, boolean ret, int kind, boolean immTarget) {
        if (ret) {
            return FlowKind.RETURN;
        }
        if ((kind & MnemonicKind.LOOP) != 0 && immTarget) {
            return FlowKind.COND_JUMP;  // capstone 4 puts loop/loope/loopne in no jump group
        }
        if (call) {
            return immTarget ? FlowKind.CALL : FlowKind.INDIRECT_CALL;
        }
        if (jump) {
            if (!immTarget) {
                return FlowKind.INDIRECT_JUMP;
            }
            return (kind & MnemonicKind.JMP) != 0 ? FlowKind.JUMP : FlowKind.COND_JUMP;
        }
        if ((kind & MnemonicKind.TRAP) != 0) {
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
