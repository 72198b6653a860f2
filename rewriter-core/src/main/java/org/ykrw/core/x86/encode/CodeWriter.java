package org.ykrw.core.x86.encode;

import java.util.Arrays;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.MemOperand;
import org.ykrw.core.x86.Reg;

/**
 * Appends x86-64 machine code at a known output address. In measuring mode it writes nothing and only
 * advances, so layout sizes and emitted bytes come from the same code (STYLE.md habit 6).
 *
 * <p>Registers use {@link Reg} numbering (0-15 = rax..r15 in hardware order). Every instruction the
 * rewriter emits goes through here; {@link Relocator} re-encodes decoded instructions.
 */
public final class CodeWriter {
    private final long startAddress;
    private final boolean measuring;
    /** Null when measuring: probes measure themselves often, and a buffer each time was most of the cost. */
    private byte[] buf;
    private int size;

    private CodeWriter(long startAddress, boolean measuring, int capacity) {
        this.startAddress = startAddress;
        this.measuring = measuring;
        this.buf = measuring ? null : new byte[Math.max(capacity, 16)];
    }

    /** @return a writer emitting bytes for code that will live at {@code address} */
    public static CodeWriter at(long address) {
        return new CodeWriter(address, false, 256);
    }

    /**
     * @param capacity the bytes expected (a known size saves growing and copying a large buffer)
     * @return a writer emitting bytes for code that will live at {@code address}
     */
    public static CodeWriter at(long address, int capacity) {
        return new CodeWriter(address, false, capacity);
    }

    /** @return a writer that only measures sizes, as if placed at {@code address} */
    public static CodeWriter measuring(long address) {
        return new CodeWriter(address, true, 0);
    }

    /** @return the output address of the next byte */
    public long address() {
        return startAddress + size;
    }

    /** @return bytes emitted (or measured) so far */
    public int size() {
        return size;
    }

    /** @return a copy of the emitted bytes; empty in measuring mode */
    public byte[] toByteArray() {
        return measuring ? new byte[0] : Arrays.copyOf(buf, size);
    }

    /** @return the emitted bytes themselves when they fill the buffer exactly (no copy), else a copy */
    public byte[] toByteArrayShared() {
        return !measuring && size == buf.length ? buf : toByteArray();
    }

    // ---------------------------------------------------------------- raw bytes

    /** Appends raw bytes (an instruction encoded elsewhere). */
    public CodeWriter bytes(byte... b) {
        for (byte x : b) {
            u8(x);
        }
        return this;
    }

    /** Appends an instruction's encoding unchanged, in one copy. */
    public CodeWriter copy(Insn insn) {
        int n = insn.length();
        if (!measuring) {
            reserve(n);
            insn.copyBytes(buf, size);
        }
        size += n;
        return this;
    }

    /**
     * Advances over {@code n} bytes without writing them: only while measuring, where the size of what
     * follows is all that counts.
     */
    public CodeWriter skip(int n) {
        if (!measuring) {
            throw new IllegalStateException("skip writes no bytes: only a measuring writer may skip");
        }
        size += n;
        return this;
    }

    private void reserve(int n) {
        if (size + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
        }
    }

    private void u8(int v) {
        if (!measuring) {
            if (size == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            buf[size] = (byte) v;
        }
        size++;
    }

    private void u32(long v) {
        for (int i = 0; i < 4; i++) {
            u8((int) (v >>> (8 * i)));
        }
    }

    private void u64(long v) {
        u32(v);
        u32(v >>> 32);
    }

    /** Overwrites the 4 bytes at offset {@code at} of this writer's output, little-endian. */
    void patch32(int at, long v) {
        if (!measuring) {
            for (int i = 0; i < 4; i++) {
                buf[at + i] = (byte) (v >>> (8 * i));
            }
        }
    }

    static boolean fitsInt8(long v) {
        return v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE;
    }

    static boolean fitsInt32(long v) {
        return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
    }

    // ---------------------------------------------------------------- control flow

    /** {@code jmp rel32}. */
    public CodeWriter jmp(long target) {
        long end = address() + 5;
        u8(0xE9);
        u32(rel32(end, target));
        return this;
    }

    /** {@code jmp rel8}; throws when the target is beyond a signed byte. */
    public CodeWriter jmpShort(long target) {
        long end = address() + 2;
        u8(0xEB);
        u8((int) rel8(end, target));
        return this;
    }

    /** {@code jcc rel32}. */
    public CodeWriter jcc(Condition cc, long target) {
        long end = address() + 6;
        u8(0x0F);
        u8(0x80 | cc.code());
        u32(rel32(end, target));
        return this;
    }

    /** {@code jcc rel8}. */
    public CodeWriter jccShort(Condition cc, long target) {
        long end = address() + 2;
        u8(0x70 | cc.code());
        u8((int) rel8(end, target));
        return this;
    }

    /** {@code call rel32}. */
    public CodeWriter call(long target) {
        long end = address() + 5;
        u8(0xE8);
        u32(rel32(end, target));
        return this;
    }

    /** {@code call qword [mem]}: through a pointer in memory (a GOT slot). */
    public CodeWriter callMem(Mem m) {
        return memOp(false, 0xFF, 2, m, 0, 0);
    }

    /** {@code ret}. */
    public CodeWriter ret() {
        u8(0xC3);
        return this;
    }

    /** {@code int3}. */
    public CodeWriter int3() {
        u8(0xCC);
        return this;
    }

    private long rel32(long end, long target) {
        long rel = target - end;
        if (!fitsInt32(rel)) {
            throw new DisplacementOutOfRangeException(address(), target, 4);
        }
        return rel;
    }

    private long rel8(long end, long target) {
        long rel = target - end;
        if (!fitsInt8(rel)) {
            throw new DisplacementOutOfRangeException(address(), target, 1);
        }
        return rel;
    }

    // ---------------------------------------------------------------- NOPs

    private static final int[][] NOPS = {
        {},
        {0x90},
        {0x66, 0x90},
        {0x0F, 0x1F, 0x00},
        {0x0F, 0x1F, 0x40, 0x00},
        {0x0F, 0x1F, 0x44, 0x00, 0x00},
        {0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00},
        {0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00},
        {0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
        {0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
        {0x66, 0x2E, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
        {0x66, 0x66, 0x2E, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
    };

    /** Fills {@code n} bytes with as few NOP instructions as the recommended forms allow (at most 11 bytes each). */
    public CodeWriter nop(int n) {
        return nops(n, NOPS.length - 1);
    }

    /**
     * Fills {@code n} bytes with as few NOP instructions as x86-64 allows: up to 15 bytes each, the
     * 11-byte form with more 0x66 prefixes (which the decoders of Intel cores since Sandy Bridge and of
     * AMD's Zen take at full speed). For code that runs where something was removed; {@link #nop} keeps
     * to the forms every decoder takes at full speed.
     */
    public CodeWriter nopRun(int n) {
        return nops(n, MAX_INSN);
    }

    /** NOPs of at most {@code longest} bytes each; beyond the table's longest form, more 0x66 prefixes. */
    private CodeWriter nops(int n, int longest) {
        while (n > 0) {
            int k = Math.min(n, longest);
            for (int p = NOPS.length - 1; p < k; p++) {
                u8(0x66);
            }
            for (int b : NOPS[Math.min(k, NOPS.length - 1)]) {
                u8(b);
            }
            n -= k;
        }
        return this;
    }

    /** The longest an x86 instruction may be. */
    private static final int MAX_INSN = 15;

    // ---------------------------------------------------------------- registers

    private void rex(boolean w, int reg, int index, int base, boolean force) {
        int r = 0x40 | (w ? 8 : 0) | ((reg & 8) != 0 ? 4 : 0) | ((index & 8) != 0 && index >= 0 ? 2 : 0)
                | ((base & 8) != 0 && base >= 0 ? 1 : 0);
        if (r != 0x40 || force) {
            u8(r);
        }
    }

    /** {@code push r64}. */
    public CodeWriter push(int reg) {
        rex(false, 0, -1, reg, false);
        u8(0x50 | (reg & 7));
        return this;
    }

    /** {@code pop r64}. */
    public CodeWriter pop(int reg) {
        rex(false, 0, -1, reg, false);
        u8(0x58 | (reg & 7));
        return this;
    }

    /** {@code push qword [mem]}. */
    public CodeWriter pushMem(Mem m) {
        return memOp(false, 0xFF, 6, m, 0, 0);
    }

    /** {@code and reg, simm8} (64-bit register; e.g. {@code and rsp, -16} to align the stack). */
    public CodeWriter andRegImm8(int reg, int imm) {
        if (!fitsInt8(imm)) {
            throw new IllegalArgumentException("and imm8 " + imm);
        }
        rex(true, 0, -1, reg, false);
        u8(0x83);
        u8(0xC0 | 4 << 3 | (reg & 7));
        u8(imm);
        return this;
    }

    /** {@code pushfq}. */
    public CodeWriter pushfq() {
        u8(0x9C);
        return this;
    }

    /** {@code popfq}. */
    public CodeWriter popfq() {
        u8(0x9D);
        return this;
    }

    /** {@code lahf}: AH = SF ZF AF PF CF (cheaper than pushfq when OF is dead). */
    public CodeWriter lahf() {
        u8(0x9F);
        return this;
    }

    /** {@code sahf}. */
    public CodeWriter sahf() {
        u8(0x9E);
        return this;
    }

    /** {@code mov reg, imm} in the shortest form: {@code mov r32, imm32}, {@code mov r64, simm32} or {@code movabs}. */
    public CodeWriter movImm(int reg, long imm) {
        if (imm >= 0 && imm <= 0xFFFF_FFFFL) {
            rex(false, 0, -1, reg, false);
            u8(0xB8 | (reg & 7));
            u32(imm);
        } else if (fitsInt32(imm)) {
            rex(true, 0, -1, reg, false);
            u8(0xC7);
            u8(0xC0 | (reg & 7));
            u32(imm);
        } else {
            rex(true, 0, -1, reg, false);
            u8(0xB8 | (reg & 7));
            u64(imm);
        }
        return this;
    }

    /** {@code mov dst, src} (64-bit registers). */
    public CodeWriter movRegReg(int dst, int src) {
        rex(true, src, -1, dst, false);
        u8(0x89);
        u8(0xC0 | (src & 7) << 3 | (dst & 7));
        return this;
    }

    /** {@code test a, b} (64-bit registers). */
    public CodeWriter testRegReg(int a, int b) {
        rex(true, b, -1, a, false);
        u8(0x85);
        u8(0xC0 | (b & 7) << 3 | (a & 7));
        return this;
    }

    // ---------------------------------------------------------------- memory operands

    /** {@code lea reg, [mem]}. */
    public CodeWriter lea(int reg, Mem m) {
        return memOp(true, 0x8D, reg, m, 0, 0);
    }

    /** {@code lea rsp, [rsp + delta]}: moves the stack pointer without touching flags (e.g. past the red zone). */
    public CodeWriter leaRsp(int delta) {
        return lea(Reg.RSP, delta == -RED_ZONE ? BELOW_RED_ZONE : delta == RED_ZONE ? ABOVE_RED_ZONE : Mem.base(Reg.RSP, delta));
    }

    // The probes' moves past the 128-byte red zone, made once (probes are written in every layout pass).
    private static final int RED_ZONE = 128;
    private static final Mem BELOW_RED_ZONE = Mem.base(Reg.RSP, -RED_ZONE);
    private static final Mem ABOVE_RED_ZONE = Mem.base(Reg.RSP, RED_ZONE);

    /** {@code mov reg, qword [mem]}. */
    public CodeWriter movRegMem(int reg, Mem m) {
        return memOp(true, 0x8B, reg, m, 0, 0);
    }

    /** {@code mov qword [mem], reg}. */
    public CodeWriter movMemReg(Mem m, int reg) {
        return memOp(true, 0x89, reg, m, 0, 0);
    }

    /** {@code inc byte/word/dword/qword [mem]}. */
    public CodeWriter incMem(Mem m, int size) {
        return sized(size, 0xFE, 0xFF, 0, m, 0, 0);
    }

    /** {@code add [mem], imm} with an 8-bit immediate when it fits. */
    public CodeWriter addMemImm(Mem m, long imm, int size) {
        if (size == 1) {
            return sized(1, 0x80, 0x80, 0, m, imm, 1);
        }
        if (fitsInt8(imm)) {
            return sized(size, 0x83, 0x83, 0, m, imm, 1);
        }
        return sized(size, 0x81, 0x81, 0, m, imm, size == 2 ? 2 : 4);
    }

    /** {@code mov r32, dword [mem]} (zero-extends into the 64-bit register). */
    public CodeWriter movReg32Mem(int reg, Mem m) {
        return memOp(false, 0x8B, reg, m, 0, 0);
    }

    /** {@code xor r32, imm32} (zero-extends into the 64-bit register; sets the flags). */
    public CodeWriter xorReg32Imm(int reg, int imm) {
        rex(false, 0, -1, reg, false);
        if (fitsInt8(imm)) {
            u8(0x83);
            u8(0xC0 | 6 << 3 | (reg & 7));
            u8(imm);
        } else if (reg == Reg.RAX) {
            u8(0x35);
            u32(imm);
        } else {
            u8(0x81);
            u8(0xC0 | 6 << 3 | (reg & 7));
            u32(imm);
        }
        return this;
    }

    /** {@code adc byte [mem], imm8}: adds the carry of the instruction before it (AFL's never-zero counters). */
    public CodeWriter adcMemImm8(Mem m, int imm) {
        return memOp(false, 0x80, 2, m, imm, 1);
    }

    /** {@code mov byte [mem], imm8}. */
    public CodeWriter movMemImm8(Mem m, int value) {
        return memOp(false, 0xC6, 0, m, value, 1);
    }

    /** {@code lock}: the next instruction's memory access is atomic (it must be a lockable one). */
    public CodeWriter lock() {
        u8(0xF0);
        return this;
    }

    /** {@code xadd qword [mem], reg}: reg gets the old value, memory the sum (atomic after {@link #lock()}). */
    public CodeWriter xaddMemReg(Mem m, int reg) {
        return memOp(true, 0x0FC1, reg, m, 0, 0);
    }

    /** {@code cmp reg, simm32} (64-bit register; the 8-bit immediate form when it fits, rax's own form else). */
    public CodeWriter cmpRegImm(int reg, int imm) {
        rex(true, 0, -1, reg, false);
        if (!fitsInt8(imm) && reg == Reg.RAX) {
            u8(0x3D);
            u32(imm);
        } else if (fitsInt8(imm)) {
            u8(0x83);
            u8(0xC0 | 7 << 3 | (reg & 7));
            u8(imm);
        } else {
            u8(0x81);
            u8(0xC0 | 7 << 3 | (reg & 7));
            u32(imm);
        }
        return this;
    }

    /** {@code test eax, imm32}: the flags from eax's bits under a mask (eax's own one-byte form). */
    public CodeWriter testEaxImm(int mask) {
        u8(0xA9);
        u32(mask);
        return this;
    }

    /** {@code mov dword [mem], imm32}. */
    public CodeWriter movMemImm32(Mem m, int value) {
        return memOp(false, 0xC7, 0, m, value, 4);
    }

    /** {@code cmp reg, qword [mem]}. */
    public CodeWriter cmpRegMem(int reg, Mem m) {
        return memOp(true, 0x3B, reg, m, 0, 0);
    }

    /** {@code cmp byte [mem], imm8}. */
    public CodeWriter cmpMemImm8(Mem m, int value) {
        return memOp(false, 0x80, 7, m, value, 1);
    }

    private CodeWriter sized(int size, int byteOpcode, int opcode, int ext, Mem m, long imm, int immBytes) {
        switch (size) {
            case 1 -> memOp(false, byteOpcode, ext, m, imm, immBytes);
            case 2 -> {
                prefixes(m);
                u8(0x66);
                memOpNoSeg(false, opcode, ext, m, imm, immBytes);
            }
            case 4 -> memOp(false, opcode, ext, m, imm, immBytes);
            case 8 -> memOp(true, opcode, ext, m, imm, immBytes);
            default -> throw new IllegalArgumentException("operand size " + size);
        }
        return this;
    }

    private void prefixes(Mem m) {
        if (m.segment() == MemOperand.SEG_FS) {
            u8(0x64);
        } else if (m.segment() == MemOperand.SEG_GS) {
            u8(0x65);
        }
    }

    private CodeWriter memOp(boolean w, int opcode, int reg, Mem m, long imm, int immBytes) {
        prefixes(m);
        return memOpNoSeg(w, opcode, reg, m, imm, immBytes);
    }

    /**
     * Emits REX, opcode, ModRM, SIB, displacement and immediate. The steps:
     * 1. REX from W and the high bits of reg, index and base;
     * 2. ModRM/SIB: rip-relative (mod 00 rm 101), absolute (SIB with no base), or base(+index) with
     *    the shortest displacement (rbp/r13 need one, rsp/r12 need a SIB);
     * 3. the immediate; 4. for rip-relative, the displacement is fixed up now that the end is known.
     */
    private CodeWriter memOpNoSeg(boolean w, int opcode, int reg, Mem m, long imm, int immBytes) {
        boolean hasBase = !m.ripRelative() && m.base() != Reg.NONE;
        boolean hasIndex = !m.ripRelative() && m.index() != Reg.NONE;
        rex(w, reg, hasIndex ? m.index() : -1, hasBase ? m.base() : -1, false);
        if (opcode > 0xFF) {   // two opcode bytes (0F xx) in one int: no array to allocate per instruction
            u8(opcode >> 8);
        }
        u8(opcode & 0xFF);
        int regBits = (reg & 7) << 3;
        int dispAt = -1;
        if (m.ripRelative()) {
            u8(0x05 | regBits);
            dispAt = size;
            u32(0);
        } else if (!hasBase) {
            u8(0x04 | regBits);
            u8(scaleBits(m.scale()) | (hasIndex ? (m.index() & 7) << 3 : 0x20) | 0x05);
            if (!fitsInt32(m.disp())) {
                throw new IllegalArgumentException("absolute address does not fit 32 bits: " + m.disp());
            }
            u32(m.disp());
        } else {
            int mod;
            if (m.disp() == 0 && (m.base() & 7) != 5) {
                mod = 0x00;
            } else if (fitsInt8(m.disp())) {
                mod = 0x40;
            } else if (fitsInt32(m.disp())) {
                mod = 0x80;
            } else {
                throw new IllegalArgumentException("displacement does not fit 32 bits: " + m.disp());
            }
            if (hasIndex || (m.base() & 7) == 4) {
                u8(mod | regBits | 0x04);
                u8(scaleBits(m.scale()) | (hasIndex ? (m.index() & 7) << 3 : 0x20) | (m.base() & 7));
            } else {
                u8(mod | regBits | (m.base() & 7));
            }
            if (mod == 0x40) {
                u8((int) m.disp());
            } else if (mod == 0x80) {
                u32(m.disp());
            }
        }
        for (int i = 0; i < immBytes; i++) {
            u8((int) (imm >>> (8 * i)));
        }
        if (dispAt >= 0) {
            long rel = m.ripTarget() - address();
            if (!fitsInt32(rel)) {
                throw new DisplacementOutOfRangeException(address(), m.ripTarget(), 4);
            }
            patch32(dispAt, rel);
        }
        return this;
    }

    private static int scaleBits(int scale) {
        return switch (scale) {
            case 1 -> 0x00;
            case 2 -> 0x40;
            case 4 -> 0x80;
            default -> 0xC0;
        };
    }
}
