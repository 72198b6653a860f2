package org.ykrw.core.x86;

import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

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
    /** Makes an instruction's operand text, each time it is asked for. */
    @FunctionalInterface
    public interface OperandText {
        /** @return the operand text of {@code insn}, in Intel syntax */
        String of(Insn insn);
    }

    /**
     * How an instruction is written: its mnemonic and where its operand text comes from. A decoder
     * shares one per mnemonic among all the instructions it makes, so that an instruction holds one
     * reference for both.
     *
     * @param mnemonic e.g. "mov"
     * @param operandText makes the operand text of an instruction
     */
    public record Spelling(String mnemonic, OperandText operandText) {
        /** @return a spelling whose operand text is always {@code opStr} */
        public static Spelling fixed(String mnemonic, String opStr) {
            return new Spelling(mnemonic, insn -> opStr);
        }
    }

    /** {@link #target()} of an instruction that has no direct target. */
    public static final long NO_TARGET = -1L;

    /** Longest x86 instruction; the encoding is kept in two words, so no longer one fits. */
    public static final int MAX_LENGTH = 15;

    /*
     * Layout: about 700k instructions of a large program stay alive at once, so the encoding and the
     * small fields are packed instead of held in a byte[] and six ints (64 bytes per instruction,
     * where one Insn and its byte[] took 120). low holds bytes 0..7 of the encoding (byte i in bits
     * 8i..8i+7), high bytes 8..14 in its low seven bytes and, in its top byte, the length (low
     * nibble) and the FlowKind ordinal (high nibble). fields holds the capstone id (bits 0..11),
     * modifiesFlags (bit 12) and the four 4-bit numbers dispOffset, dispSize, immOffset, immSize
     * (bits 13..28). The direct target is not stored: it is the first operand's value. Nor is the
     * operand text: only people read it, and it is made again from the encoding when they ask.
     */
    private static final int LENGTH_SHIFT = 56;
    private static final int FLOW_SHIFT = 60;
    private static final long FLOW_MASK = 0xFL << FLOW_SHIFT;
    private static final int ID_BITS = 12;
    private static final int MODIFIES_FLAGS_BIT = 1 << ID_BITS;
    private static final int DISP_OFFSET_SHIFT = ID_BITS + 1;
    private static final int DISP_SIZE_SHIFT = DISP_OFFSET_SHIFT + 4;
    private static final int IMM_OFFSET_SHIFT = DISP_SIZE_SHIFT + 4;
    private static final int IMM_SIZE_SHIFT = IMM_OFFSET_SHIFT + 4;
    private static final FlowKind[] FLOWS = FlowKind.values();

    private final long address;
    private final long low;
    private final long high;
    private final long regsRead;
    private final long regsWritten;
    private final Spelling spelling;
    private final List<Operand> operands;
    private final int fields;

    /**
     * @param address input virtual address
     * @param bytes the encoding (copied), at most {@link #MAX_LENGTH} bytes
     * @param id capstone's X86_INS_* id (0 for INVALID)
     * @param mnemonic e.g. "mov"
     * @param opStr operands in Intel syntax as capstone prints them
     * @param flow control-flow kind
     * @param target absolute target of a direct branch or call, else {@link #NO_TARGET}: must be what
     *     {@link #target()} derives from {@code flow} and the operands
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
        this(address, word(bytes, 0), word(bytes, 8), bytes.length, id, Spelling.fixed(mnemonic, opStr), flow,
                operands, regsRead, regsWritten, modifiesFlags, dispOffset, dispSize, immOffset, immSize);
        checkTarget(target);
    }

    /**
     * As {@link #Insn(long, byte[], int, String, String, FlowKind, long, List, long, long, boolean, int, int,
     * int, int)}, with the operand text made only when asked for: it is for people to read, and a
     * decoder making one per instruction of a large program spends much of its time on strings no one
     * reads.
     *
     * @param opText makes the operand text of this instruction (from its address and bytes) when asked
     */
    public Insn(long address, byte[] bytes, int id, String mnemonic, OperandText opText, FlowKind flow, long target,
            List<Operand> operands, long regsRead, long regsWritten, boolean modifiesFlags,
            int dispOffset, int dispSize, int immOffset, int immSize) {
        this(address, word(bytes, 0), word(bytes, 8), bytes.length, id, new Spelling(mnemonic, opText), flow,
                operands, regsRead, regsWritten, modifiesFlags, dispOffset, dispSize, immOffset, immSize);
        checkTarget(target);
    }

    /**
     * As {@link #Insn(long, byte[], int, String, OperandText, FlowKind, long, List, long, long, boolean, int,
     * int, int, int)}, for a decoder: the encoding comes as two little-endian words (no array to copy)
     * and the target is taken from the operands.
     *
     * @param low bytes 0..7 of the encoding, byte i in bits 8i..8i+7, bytes past {@code length} are ignored
     * @param high bytes 8..14, bytes past {@code length} are ignored
     * @param length the encoding's length, 1 to {@link #MAX_LENGTH}
     * @param spelling the mnemonic and the maker of the operand text (shared among instructions)
     */
    public Insn(long address, long low, long high, int length, int id, Spelling spelling, FlowKind flow,
            List<Operand> operands, long regsRead, long regsWritten, boolean modifiesFlags,
            int dispOffset, int dispSize, int immOffset, int immSize) {
        if (length < 0 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("instruction length " + length + " at " + Long.toHexString(address));
        }
        if (id < 0 || id >= 1 << ID_BITS || !isNibble(dispOffset) || !isNibble(dispSize) || !isNibble(immOffset)
                || !isNibble(immSize)) {
            throw new IllegalArgumentException("instruction fields out of range at " + Long.toHexString(address));
        }
        this.address = address;
        // Bytes past the end are dropped, so that equal encodings give equal words.
        this.low = low & keepBytes(Math.min(length, 8));
        this.high = high & keepBytes(Math.max(length - 8, 0)) | (long) length << LENGTH_SHIFT
                | (long) flow.ordinal() << FLOW_SHIFT;
        this.spelling = spelling;
        this.operands = List.copyOf(operands);
        this.regsRead = regsRead;
        this.regsWritten = regsWritten;
        this.fields = id | (modifiesFlags ? MODIFIES_FLAGS_BIT : 0) | dispOffset << DISP_OFFSET_SHIFT
                | dispSize << DISP_SIZE_SHIFT | immOffset << IMM_OFFSET_SHIFT | immSize << IMM_SIZE_SHIFT;
    }

    private static boolean isNibble(int v) {
        return v >= 0 && v < 16;
    }

    /** @return a mask keeping the low {@code n} bytes of a word */
    private static long keepBytes(int n) {
        return n == 0 ? 0 : -1L >>> (64 - 8 * n);
    }

    /** @return bytes {@code from..from+7} of {@code bytes} as a little-endian word, zero past the end */
    private static long word(byte[] bytes, int from) {
        if (bytes.length > MAX_LENGTH) {
            throw new IllegalArgumentException("instruction of " + bytes.length + " bytes");
        }
        long w = 0;
        for (int i = Math.min(bytes.length, from + 8) - 1; i >= from; i--) {
            w = w << 8 | (bytes[i] & 0xFF);
        }
        return w;
    }

    private void checkTarget(long target) {
        if (target != target()) {
            throw new IllegalArgumentException("target " + Long.toHexString(target) + " is not the direct target "
                    + Long.toHexString(target()) + " of the operands");
        }
    }

    /** @return input virtual address */
    public long address() {
        return address;
    }

    /** @return encoded length in bytes */
    public int length() {
        return (int) (high >>> LENGTH_SHIFT) & 0xF;
    }

    /** @return the address just past this instruction */
    public long end() {
        return address + length();
    }

    /** @return a copy of the encoding */
    public byte[] bytes() {
        byte[] b = new byte[length()];
        copyBytes(b, 0);
        return b;
    }

    /** Copies the encoding into {@code dest} at {@code offset} (no intermediate copy, as {@link #bytes()} makes). */
    public void copyBytes(byte[] dest, int offset) {
        int n = length();
        Objects.checkFromIndexSize(offset, n, dest.length);
        long word = low;
        for (int i = 0; i < n; i++) {
            if (i == 8) {
                word = high;
            }
            dest[offset + i] = (byte) word;
            word >>>= 8;
        }
    }

    /** @return byte {@code i} of the encoding, unsigned */
    public int byteAt(int i) {
        if (i < 0 || i >= length()) {
            throw new IndexOutOfBoundsException(i);
        }
        return (int) ((i < 8 ? low >>> (8 * i) : high >>> (8 * (i - 8))) & 0xFF);
    }

    /** @return capstone's X86_INS_* id */
    public int id() {
        return fields & ((1 << ID_BITS) - 1);
    }

    /** @return mnemonic, e.g. "jne" */
    public String mnemonic() {
        return spelling.mnemonic();
    }

    /**
     * @return operand text as capstone prints it in Intel syntax; made anew at each call (for a decoded
     *     instruction, by decoding it again): a caller that needs it more than once keeps it
     */
    public String opStr() {
        return spelling.operandText().of(this);
    }

    /** @return control-flow kind */
    public FlowKind flow() {
        return FLOWS[(int) (high >>> FLOW_SHIFT)];
    }

    /** @return absolute target of a direct branch or call, or {@link #NO_TARGET} */
    public long target() {
        if (flow().isDirect() && !operands.isEmpty()) {
            Operand first = operands.get(0);
            if (first.kind() == Operand.Kind.IMM) {
                return first.imm();
            }
        }
        return NO_TARGET;
    }

    /** @return true when {@link #target()} is set */
    public boolean hasTarget() {
        return target() != NO_TARGET;
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
        return (fields & MODIFIES_FLAGS_BIT) != 0;
    }

    /** @return offset of the displacement field in the encoding (0 if none) */
    public int dispOffset() {
        return fields >>> DISP_OFFSET_SHIFT & 0xF;
    }

    /** @return size of the displacement field in bytes (0 if none) */
    public int dispSize() {
        return fields >>> DISP_SIZE_SHIFT & 0xF;
    }

    /** @return offset of the immediate or relative-branch field (0 if none) */
    public int immOffset() {
        return fields >>> IMM_OFFSET_SHIFT & 0xF;
    }

    /** @return size of the immediate or relative-branch field (0 if none) */
    public int immSize() {
        return fields >>> IMM_SIZE_SHIFT & 0xF;
    }

    /** @return true for endbr64 (f3 0f 1e fa), which CET requires first at indirect-branch targets */
    public boolean isEndbr64() {
        return length() == 4 && low == 0xFA1E0FF3L;
    }

    /** @return true for a NOP of any length (90, 66 90, 0f 1f /0 forms) */
    public boolean isNop() {
        return "nop".equals(mnemonic()) || (length() == 2 && low == 0x9066L);
    }

    @Override
    public String toString() {
        return String.format("%x: %-24s %s %s", address, HexFormat.of().formatHex(bytes()), mnemonic(), opStr()).trim();
    }

    @Override
    public boolean equals(Object o) {
        // Address and encoding only, as when the encoding was a byte[]: flow is not compared.
        return o instanceof Insn other && other.address == address && other.low == low
                && (other.high & ~FLOW_MASK) == (high & ~FLOW_MASK);
    }

    @Override
    public int hashCode() {
        // The value Arrays.hashCode gave for the byte[]: hash-ordered collections keep their order.
        int h = 1;
        int n = length();
        for (int i = 0; i < n; i++) {
            h = 31 * h + (byte) byteAt(i);
        }
        return Long.hashCode(address) * 31 + h;
    }
}
