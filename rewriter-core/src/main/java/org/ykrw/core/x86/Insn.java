package org.ykrw.core.x86;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * One decoded x86-64 instruction at its input address: an immutable value.
 *
 * <p>Register sets use {@link Reg} bits and include implicit registers (push reads and writes rsp,
 * cpuid writes rax..rdx). {@link Reg#FLAGS} is in {@link #regsRead()} when the instruction tests any
 * status flag, and in {@link #regsWritten()} only when it defines all six status flags (CF PF AF ZF SF
 * OF), so liveness can treat a write as a kill. {@code inc}, which keeps CF, therefore reads nothing
 * and kills nothing of FLAGS, but it does modify some: {@link #modifiesFlags()} says so.
 */
public final class Insn {
    /** Makes an instruction's operand text when it is first asked for. */
    @FunctionalInterface
    public interface OperandText {
        /** @return the operand text of {@code insn}, in Intel syntax */
        String of(Insn insn);
    }

    /** {@link #target()} of an instruction that has no direct target. */
    public static final long NO_TARGET = -1L;

    private final long address;
    private final byte[] bytes;
    private final int id;
    private final String mnemonic;
    /** the operand text; null until first asked for when {@link #opText} makes it */
    private String opStr;
    private final OperandText opText;
    private final FlowKind flow;
    private final long target;
    private final List<Operand> operands;
    private final long regsRead;
    private final long regsWritten;
    private final boolean modifiesFlags;
    private final int dispOffset;
    private final int dispSize;
    private final int immOffset;
    private final int immSize;

    /**
     * @param address input virtual address
     * @param bytes the encoding (copied)
     * @param id capstone's X86_INS_* id (0 for INVALID)
     * @param mnemonic e.g. "mov"
     * @param opStr operands in Intel syntax as capstone prints them
     * @param flow control-flow kind
     * @param target absolute target of a direct branch or call, else {@link #NO_TARGET}
     * @param operands explicit operands in Intel order (destination first)
     * @param regsRead registers read, explicit and implicit ({@link Reg} bits)
     * @param regsWritten registers written, explicit and implicit ({@link Reg} bits)
     * @param modifiesFlags true when any status flag changes (even partially)
     * @param dispOffset offset of the displacement field in {@code bytes}, 0 if none
     * @param dispSize size of the displacement field (0, 1, 4 or 8 for moffs)
     * @param immOffset offset of the immediate (or branch rel) field, 0 if none
     * @param immSize size of the immediate (or branch rel) field
     */
    public Insn(long address, byte[] bytes, int id, String mnemonic, String opStr, FlowKind flow, long target,
            List<Operand> operands, long regsRead, long regsWritten, boolean modifiesFlags,
            int dispOffset, int dispSize, int immOffset, int immSize) {
        this(address, bytes, id, mnemonic, opStr, null, flow, target, operands, regsRead, regsWritten, modifiesFlags,
                dispOffset, dispSize, immOffset, immSize);
    }

    /**
     * As {@link #Insn(long, byte[], int, String, String, FlowKind, long, List, long, long, boolean, int, int,
     * int, int)}, with the operand text made only when first asked for: it is for people to read, and
     * a decoder making one per instruction of a large program spends much of its time on strings no
     * one reads.
     *
     * @param opText makes the operand text of this instruction (from its address and bytes)
     */
    public Insn(long address, byte[] bytes, int id, String mnemonic, OperandText opText, FlowKind flow, long target,
            List<Operand> operands, long regsRead, long regsWritten, boolean modifiesFlags,
            int dispOffset, int dispSize, int immOffset, int immSize) {
        this(address, bytes, id, mnemonic, null, opText, flow, target, operands, regsRead, regsWritten, modifiesFlags,
                dispOffset, dispSize, immOffset, immSize);
    }

    private Insn(long address, byte[] bytes, int id, String mnemonic, String opStr, OperandText opText, FlowKind flow,
            long target, List<Operand> operands, long regsRead, long regsWritten, boolean modifiesFlags,
            int dispOffset, int dispSize, int immOffset, int immSize) {
        this.address = address;
        this.bytes = bytes.clone();
        this.id = id;
        this.mnemonic = mnemonic;
        this.opStr = opStr;
        this.opText = opText;
        this.flow = flow;
        this.target = target;
        this.operands = List.copyOf(operands);
        this.regsRead = regsRead;
        this.regsWritten = regsWritten;
        this.modifiesFlags = modifiesFlags;
        this.dispOffset = dispOffset;
        this.dispSize = dispSize;
        this.immOffset = immOffset;
        this.immSize = immSize;
    }

    /** @return input virtual address */
    public long address() {
        return address;
    }

    /** @return encoded length in bytes */
    public int length() {
        return bytes.length;
    }

    /** @return the address just past this instruction */
    public long end() {
        return address + bytes.length;
    }

    /** @return a copy of the encoding */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Copies the encoding into {@code dest} at {@code offset} (no intermediate copy, as {@link #bytes()} makes). */
    public void copyBytes(byte[] dest, int offset) {
        System.arraycopy(bytes, 0, dest, offset, bytes.length);
    }

    /** @return byte {@code i} of the encoding, unsigned */
    public int byteAt(int i) {
        return bytes[i] & 0xFF;
    }

    /** @return capstone's X86_INS_* id */
    public int id() {
        return id;
    }

    /** @return mnemonic, e.g. "jne" */
    public String mnemonic() {
        return mnemonic;
    }

    /** @return operand text as capstone prints it in Intel syntax */
    public String opStr() {
        String s = opStr;
        if (s == null) {
            // Made from the instruction alone, so two threads racing here store equal strings.
            s = opText.of(this);
            opStr = s;
        }
        return s;
    }

    /** @return control-flow kind */
    public FlowKind flow() {
        return flow;
    }

    /** @return absolute target of a direct branch or call, or {@link #NO_TARGET} */
    public long target() {
        return target;
    }

    /** @return true when {@link #target()} is set */
    public boolean hasTarget() {
        return target != NO_TARGET;
    }

    /** @return explicit operands, destination first */
    public List<Operand> operands() {
        return operands;
    }

    /** @return the first memory operand, or null */
    public MemOperand memOperand() {
        for (int i = 0; i < operands.size(); i++) {   // no iterator: the rewriter asks this of every instruction
            Operand op = operands.get(i);
            if (op.kind() == Operand.Kind.MEM) {
                return op.mem();
            }
        }
        return null;
    }

    /** @return true when the instruction has a {@code [rip + disp]} operand */
    public boolean isRipRelative() {
        MemOperand m = memOperand();
        return m != null && m.isRipRelative();
    }

    /** @return the absolute address a rip-relative operand refers to; only valid if {@link #isRipRelative()} */
    public long ripTarget() {
        return end() + memOperand().disp();
    }

    /** @return registers read ({@link Reg} bits) */
    public long regsRead() {
        return regsRead;
    }

    /** @return registers written ({@link Reg} bits); FLAGS only when all status flags are defined */
    public long regsWritten() {
        return regsWritten;
    }

    /** @return true when any status flag is changed */
    public boolean modifiesFlags() {
        return modifiesFlags;
    }

    /** @return offset of the displacement field in the encoding (0 if none) */
    public int dispOffset() {
        return dispOffset;
    }

    /** @return size of the displacement field in bytes (0 if none) */
    public int dispSize() {
        return dispSize;
    }

    /** @return offset of the immediate or relative-branch field (0 if none) */
    public int immOffset() {
        return immOffset;
    }

    /** @return size of the immediate or relative-branch field (0 if none) */
    public int immSize() {
        return immSize;
    }

    /** @return true for endbr64 (f3 0f 1e fa), which CET requires first at indirect-branch targets */
    public boolean isEndbr64() {
        return bytes.length == 4 && byteAt(0) == 0xF3 && byteAt(1) == 0x0F && byteAt(2) == 0x1E && byteAt(3) == 0xFA;
    }

    /** @return true for a NOP of any length (90, 66 90, 0f 1f /0 forms) */
    public boolean isNop() {
        return "nop".equals(mnemonic) || (bytes.length == 2 && byteAt(0) == 0x66 && byteAt(1) == 0x90);
    }

    @Override
    public String toString() {
        return String.format("%x: %-24s %s %s", address, HexFormat.of().formatHex(bytes), mnemonic, opStr()).trim();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Insn other && other.address == address && Arrays.equals(other.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(address) * 31 + Arrays.hashCode(bytes);
    }
}
