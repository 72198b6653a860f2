package org.ykrw.core.x86.decode;

import static org.ykrw.core.x86.decode.CapstoneLayout.*;

import java.nio.ByteBuffer;
import java.util.ArrayList;
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

    static Insn build(CapstoneDecoder dec, ByteBuffer d, long address, byte[] bytes, int id, String mnemonic,
            String opStr) {
        int x86 = DETAIL_X86;
        int opCount = d.get(x86 + X86_OP_COUNT) & 0xFF;
        List<Operand> operands = new ArrayList<>(opCount);
        long read = 0;
        long written = 0;
        boolean noMemoryAccess = mnemonic.equals("lea") || mnemonic.startsWith("nop");
        for (int k = 0; k < opCount && k < 8; k++) {
            int o = x86 + X86_OPERANDS + k * OP_SIZE;
            int type = d.getInt(o + OP_TYPE);
            int size = d.get(o + OP_ACCESS_SIZE) & 0xFF;
            int access = d.get(o + OP_ACCESS) & 0xFF;
            // capstone leaves access empty for some operands: treat those as read, the safe side for liveness.
            boolean isRead = (access & AC_READ) != 0 || access == 0;
            boolean isWritten = (access & AC_WRITE) != 0;
            if (type == OP_REG) {
                int reg = dec.reg(d.getInt(o + OP_VALUE));
                operands.add(Operand.reg(reg, size, isRead, isWritten));
                read |= isRead ? Reg.bit(reg) : 0;
                written |= isWritten ? Reg.bit(reg) : 0;
            } else if (type == OP_IMM) {
                operands.add(Operand.imm(d.getLong(o + OP_VALUE), size));
            } else if (type == OP_MEM) {
                int m = o + OP_VALUE;
                int base = dec.reg(d.getInt(m + MEM_BASE));
                int index = dec.reg(d.getInt(m + MEM_INDEX));
                int scale = d.getInt(m + MEM_SCALE);
                MemOperand mem = new MemOperand(dec.segment(d.getInt(m + MEM_SEGMENT)), base, index,
                        scale == 0 ? 1 : scale, d.getLong(m + MEM_DISP), noMemoryAccess ? 0 : size);
                operands.add(Operand.mem(mem, size, isRead && !noMemoryAccess, isWritten));
                read |= Reg.bit(base) | Reg.bit(index);
            }
        }
        read |= implicitRegs(dec, d, DETAIL_REGS_READ, d.get(DETAIL_REGS_READ_COUNT) & 0xFF);
        written |= implicitRegs(dec, d, DETAIL_REGS_WRITE, d.get(DETAIL_REGS_WRITE_COUNT) & 0xFF);
        boolean implicitFlagsRead = hasFlagsReg(dec, d, DETAIL_REGS_READ, d.get(DETAIL_REGS_READ_COUNT) & 0xFF);
        boolean implicitFlagsWrite = hasFlagsReg(dec, d, DETAIL_REGS_WRITE, d.get(DETAIL_REGS_WRITE_COUNT) & 0xFF);

        long eflags = d.getLong(x86 + X86_EFLAGS);
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
        int enc = x86 + X86_ENCODING;
        return new Insn(address, bytes, id, mnemonic, opStr, flow, target, operands, read, written, modifiesFlags,
                d.get(enc + ENC_DISP_OFFSET) & 0xFF, d.get(enc + ENC_DISP_SIZE) & 0xFF,
                d.get(enc + ENC_IMM_OFFSET) & 0xFF, d.get(enc + ENC_IMM_SIZE) & 0xFF);
    }

    private static FlowKind classify(ByteBuffer d, String mnemonic, List<Operand> operands) {
        int groups = d.get(DETAIL_GROUPS_COUNT) & 0xFF;
        boolean jump = false, call = false, ret = false, intr = false;
        for (int g = 0; g < groups && g < 8; g++) {
            switch (d.get(DETAIL_GROUPS + g) & 0xFF) {
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

    private static long implicitRegs(CapstoneDecoder dec, ByteBuffer d, int at, int count) {
        long set = 0;
        for (int i = 0; i < count; i++) {
            set |= Reg.bit(dec.reg(d.getShort(at + 2 * i) & 0xFFFF));
        }
        return set;
    }

    private static boolean hasFlagsReg(CapstoneDecoder dec, ByteBuffer d, int at, int count) {
        for (int i = 0; i < count; i++) {
            if (dec.isFlagsReg(d.getShort(at + 2 * i) & 0xFFFF)) {
                return true;
            }
        }
        return false;
    }
}
