package org.ykrw.core.x86.decode;

import static org.ykrw.core.x86.decode.CapstoneLayout.*;

import com.sun.jna.Memory;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.NativeLongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.MemOperand;
import org.ykrw.core.x86.Operand;
import org.ykrw.core.x86.Reg;

/**
 * x86-64 decoder on capstone 4 (fast path): one {@code cs_disasm} call decodes a whole window of code
 * and the native {@code cs_insn} array and each {@code cs_detail} are read through direct ByteBuffers
 * at the offsets in {@link CapstoneLayout}. Not thread-safe: use one decoder per thread.
 */
public final class CapstoneDecoder implements AutoCloseable {
    /**
     * Largest window handed to one cs_disasm call. Small on purpose: capstone 4's cs_disasm grows its
     * instruction cache by realloc and gets superlinear in the window size (measured in C on
     * python3.11's .text: 64 KiB windows ~140k instructions/s, 256-byte windows ~2.5M/s).
     */
    private static final int WINDOW = 256;
    /** Longest x86 instruction. */
    private static final int MAX_INSN = 15;

    /**
     * First field: loading capstone (and JNA's own native stub) can fail, and must fail here with a
     * one-line YkrwException, before any other JNA class (CapstoneDirect included) is touched. A
     * static initializer would turn the failure into ExceptionInInitializerError.
     */
    private final CapstoneLibrary lib = CapstoneLibrary.shared();

    private final NativeLongByReference handleRef = new NativeLongByReference();
    private final NativeLong handle;
    private final long handleValue;
    private final Memory codeBuffer = new Memory(WINDOW);
    /**
     * Reused for every cs_disasm call: a PointerByReference is a JNA Memory, i.e. a native allocation
     * with a cleaner, and one per 256-byte window made tens of thousands of them on large programs.
     */
    private final PointerByReference insnRef = new PointerByReference();
    /** capstone register id -> Reg number, segment constant; the same for every handle */
    private static int[] regMap;
    private static int[] segMap;
    private static int flagsRegId = -1;
    private boolean closed;

    /** Opens a capstone handle for x86-64 with instruction details on (Intel syntax). */
    public CapstoneDecoder() {
        int err = lib.cs_open(CS_ARCH_X86, CS_MODE_64, handleRef);
        if (err != 0) {
            throw new YkrwException("capstone cs_open failed with error " + err);
        }
        handle = handleRef.getValue();
        handleValue = handle.longValue();
        lib.cs_option(handle, CS_OPT_DETAIL, new NativeLong(CS_OPT_ON));
        warmUpSharedTables();
    }

    /**
     * Starts loading capstone (JNA, the library, the tables shared by all decoders) on a background
     * thread, so that it overlaps with what a command does before it decodes (parsing its command
     * line, reading the input); the first decoder then finds it done (~35 ms at start-up). A failure
     * is left for that decoder to report.
     */
    public static void preload() {
        Thread t = new Thread(() -> {
            try (CapstoneDecoder warm = new CapstoneDecoder()) {
                warm.checkOpen();  // opening one decoder loads and warms everything shared
            } catch (RuntimeException | LinkageError e) {
                // Reported, in one line, by the decoder that needs capstone.
            }
        }, "ykrw-capstone-preload");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Maps capstone's register ids once per process: 255 native calls and name matching each time cost
     * start-up. The calls go through the direct mapping: through the interface they took ~9 ms.
     */
    private void mapRegisters() {
        int[] regs = new int[256];
        int[] segs = new int[256];
        Arrays.fill(regs, Reg.NONE);
        for (int id = 1; id < 256; id++) {
            Pointer namePointer = CapstoneDirect.cs_reg_name(handleValue, id);
            String name = namePointer == null ? null : namePointer.getString(0);
            if (name != null) {
                regs[id] = RegisterNames.toReg(name);
                if (RegisterNames.isFlags(name)) {
                    flagsRegId = id;
                }
                segs[id] = "fs".equals(name) ? MemOperand.SEG_FS : "gs".equals(name) ? MemOperand.SEG_GS
                        : MemOperand.SEG_NONE;
            }
        }
        regMap = regs;
        segMap = segs;
    }

    /**
     * Set, under the class lock, once the register maps exist and capstone's shared table is sorted.
     * Every decoder's constructor passes that lock after it, so every decoder sees both complete.
     */
    private static boolean sharedTablesReady;

    /**
     * Capstone 4 sorts a static table of implicit registers (X86_insn_reg_intel) on its first use,
     * unsynchronised: two handles decoding on two threads at that moment can read it half sorted and
     * get an instruction's registers wrong (capstone issues 1358 and 1647; seen here as a differing
     * operand access of {@code test eax, imm32} once in a few runs). Decoding one such instruction
     * under a lock, before any decoder is handed out, sorts it once; afterwards it is only read.
     */
    private void warmUpSharedTables() {
        synchronized (CapstoneDecoder.class) {
            if (!sharedTablesReady) {
                mapRegisters();
                byte[] testEaxImm32 = {(byte) 0xA9, 0, 0, 0, 0x10};
                decode(testEaxImm32, 0, testEaxImm32.length, 0, 1);
                sharedTablesReady = true;
            }
        }
    }

    /**
     * Decodes consecutive instructions.
     *
     * @param code buffer holding the machine code
     * @param offset where decoding starts in {@code code}
     * @param length bytes available from {@code offset}
     * @param address virtual address of {@code code[offset]}
     * @param maxCount stop after this many instructions (0: no limit)
     * @return instructions in order; stops early at the first undecodable byte
     */
    public List<Insn> decode(byte[] code, int offset, int length, long address, int maxCount) {
        return decode(code, offset, length, address, maxCount, length);
    }

    /**
     * Decodes consecutive instructions that start in the first {@code startLimit} bytes; the last one
     * may read on up to {@code length} bytes. Lets a caller decode a piece of a larger range and get,
     * for the instruction crossing the piece's end, what a decode of the whole range gives.
     *
     * @param code buffer holding the machine code
     * @param offset where decoding starts in {@code code}
     * @param length bytes available from {@code offset}
     * @param address virtual address of {@code code[offset]}
     * @param maxCount stop after this many instructions (0: no limit)
     * @param startLimit decode only instructions starting before {@code offset + startLimit}
     * @return instructions in order; stops early at the first undecodable byte
     */
    public List<Insn> decode(byte[] code, int offset, int length, long address, int maxCount, int startLimit) {
        List<Insn> out = new ArrayList<>();
        decode(code, offset, length, address, maxCount, startLimit, out);
        return out;
    }

    /**
     * As {@link #decode(byte[], int, int, long, int, int)}, appending to a list the caller reuses: a
     * sweep over megabytes of code otherwise grows a fresh list of hundreds of thousands of entries.
     *
     * @param out receives the instructions in order (what it held before is left alone)
     */
    public void decode(byte[] code, int offset, int length, long address, int maxCount, int startLimit,
            List<Insn> out) {
        checkOpen();
        int start = out.size();
        int pos = 0;
        while (pos < startLimit && pos < length && (maxCount == 0 || out.size() - start < maxCount)) {
            // Bytes past the last allowed start are needed only by an instruction crossing the limit.
            int window = Math.min(Math.min(WINDOW, length - pos), startLimit - pos + MAX_INSN);
            int want = maxCount == 0 ? 0 : maxCount - (out.size() - start);
            int before = out.size();
            int consumed = decodeWindow(code, offset + pos, window, address + pos, want, out);
            // Drop what starts past the limit: the caller did not ask for it (another thread may own it).
            while (out.size() > before && out.get(out.size() - 1).address() >= address + startLimit) {
                consumed -= out.remove(out.size() - 1).length();
            }
            boolean moreBeyondWindow = length - pos > window;
            pos += consumed;
            if (consumed == 0) {
                break;
            }
            // cs_disasm stops at an undecodable byte or at an instruction cut by the window's end;
            // only the second case may continue in the next window.
            int left = window - consumed;
            boolean stoppedByCount = want != 0 && out.size() - start >= maxCount;
            if (left > 0 && !stoppedByCount && !(moreBeyondWindow && left < MAX_INSN)) {
                break;
            }
        }
    }

    /**
     * @param code buffer
     * @param offset where the instruction starts
     * @param address its virtual address
     * @return the instruction, or null when the bytes there do not decode
     */
    public Insn decodeOne(byte[] code, int offset, long address) {
        List<Insn> one = decode(code, offset, Math.min(MAX_INSN, code.length - offset), address, 1);
        return one.isEmpty() ? null : one.get(0);
    }

    /**
     * Linear sweep: decodes a whole range; undecodable bytes become 1-byte {@link FlowKind#INVALID}
     * instructions and decoding resumes at the next byte.
     *
     * @param code buffer
     * @param offset start in the buffer
     * @param length bytes to cover
     * @param address virtual address of {@code code[offset]}
     * @return instructions covering the range exactly
     */
    public List<Insn> sweep(byte[] code, int offset, int length, long address) {
        List<Insn> out = new ArrayList<>();
        int pos = 0;
        while (pos < length) {
            List<Insn> run = decode(code, offset + pos, length - pos, address + pos, 0);
            out.addAll(run);
            for (Insn i : run) {
                pos += i.length();
            }
            if (pos < length) {
                byte[] b = {code[offset + pos]};
                out.add(new Insn(address + pos, b, 0, "(bad)", "", FlowKind.INVALID, Insn.NO_TARGET, List.of(),
                        0, 0, false, 0, 0, 0, 0));
                pos++;
            }
        }
        return out;
    }

    private int decodeWindow(byte[] code, int offset, int length, long address, int count, List<Insn> out) {
        codeBuffer.write(0, code, offset, length);
        long n = CapstoneDirect.cs_disasm(handleValue, codeBuffer, length, address, count, insnRef.getPointer());
        if (n <= 0) {
            return 0;
        }
        Pointer insns = insnRef.getValue();
        long base = Pointer.nativeValue(insns);
        int consumed = 0;
        try {
            for (int i = 0; i < n; i++) {
                Insn insn = readInsn(base + (long) i * INSN_SIZE);
                consumed += insn.length();
                out.add(insn);
            }
        } finally {
            CapstoneDirect.cs_free(insns, n);
        }
        return consumed;
    }

    private Insn readInsn(long base) {
        int id = NativeMemory.i32(base + INSN_ID);
        long address = NativeMemory.i64(base + INSN_ADDRESS);
        int size = NativeMemory.u16(base + INSN_LENGTH);
        // The encoding goes to Insn as two words read straight from capstone's 16-byte field: no array.
        long low = NativeMemory.i64(base + INSN_BYTES);
        long high = NativeMemory.i64(base + INSN_BYTES + 8);
        int slot = internedSlot(base + INSN_MNEMONIC);
        Insn.Spelling spelling;
        int kind;
        if (slot >= 0) {
            spelling = internedSpellings[slot];
            if (spelling == null) {
                spelling = new Insn.Spelling(interned[slot], LazyOperandText.SHARED);
                internedSpellings[slot] = spelling;
            }
            kind = internedKinds[slot];
        } else {
            spelling = new Insn.Spelling(longString(base + INSN_MNEMONIC, MNEMONIC_MAX), LazyOperandText.SHARED);
            kind = MnemonicKind.of(spelling.mnemonic());
        }
        long detail = NativeMemory.i64(base + INSN_DETAIL);
        return InsnBuilder.build(this, detail, address, low, high, size, id, spelling, kind);
    }

    /** @return this decoder's operand pool, made at first use (most decoders of a run build no Insn) */
    OperandPool operandPool() {
        OperandPool pool = operandPool;
        if (pool == null) {
            pool = new OperandPool();
            operandPool = pool;
        }
        return pool;
    }

    /**
     * @param code one instruction's bytes
     * @param address its address
     * @return capstone's operand text for it (empty when the bytes do not decode)
     */
    String operandText(byte[] code, long address) {
        checkOpen();
        int length = Math.min(code.length, WINDOW);
        codeBuffer.write(0, code, 0, length);
        long n = CapstoneDirect.cs_disasm(handleValue, codeBuffer, length, address, 1, insnRef.getPointer());
        if (n <= 0) {
            return "";
        }
        Pointer insns = insnRef.getValue();
        try {
            return cString(Pointer.nativeValue(insns) + INSN_OP_STR, OP_STR_MAX);
        } finally {
            CapstoneDirect.cs_free(insns, n);
        }
    }

    /** @return the {@link Reg} number of a capstone register id */
    int reg(int capstoneReg) {
        return capstoneReg >= 0 && capstoneReg < regMap.length ? regMap[capstoneReg] : Reg.NONE;
    }

    /** @return true when the capstone register id is the flags register */
    boolean isFlagsReg(int capstoneReg) {
        return capstoneReg == flagsRegId;
    }

    /** @return the MemOperand segment constant for a capstone segment register id */
    int segment(int capstoneReg) {
        return capstoneReg > 0 && capstoneReg < segMap.length ? segMap[capstoneReg] : MemOperand.SEG_NONE;
    }

    private final byte[] stringBuffer = new byte[OP_STR_MAX];
    private OperandPool operandPool;
    /**
     * Interned strings shorter than 24 characters, keyed by their bytes as three little-endian words
     * (zero past the end): open addressing over parallel arrays. See {@link #cString}. Sized for
     * mnemonics (x86 has about 1,500), the only strings read per instruction.
     */
    private long[] internedWords = new long[3 << 12];
    private String[] interned = new String[1 << 12];
    /** the {@link MnemonicKind} flags of each interned string */
    private byte[] internedKinds = new byte[1 << 12];
    /** for an interned mnemonic, the spelling its instructions share (made at its first instruction) */
    private Insn.Spelling[] internedSpellings = new Insn.Spelling[1 << 12];
    private int internedCount;

    private static final long ONES = 0x0101_0101_0101_0101L;
    private static final long HIGHS = 0x8080_8080_8080_8080L;

    /**
     * Reads a NUL-terminated string of capstone's. Mnemonics (and operand texts) repeat, and one
     * new String per instruction was the largest allocation of a lift: strings shorter than 24
     * characters are read as three words straight from native memory, found again by comparing
     * words, and created only the first time. (Both capstone fields hold at least 24 bytes.)
     */
    private String cString(long at, int max) {
        int slot = internedSlot(at);
        return slot >= 0 ? interned[slot] : longString(at, max);
    }

    /** @return the slot of the string at {@code at} in {@link #interned} (added if new), -1 if 24 long or more */
    private int internedSlot(long at) {
        long w0 = NativeMemory.i64(at);
        long w1 = NativeMemory.i64(at + 8);
        long w2 = NativeMemory.i64(at + 16);
        int len;
        if (zeroByte(w0) < 8) {
            len = zeroByte(w0);
            w0 &= keepBelow(len);
            w1 = 0;
            w2 = 0;
        } else if (zeroByte(w1) < 8) {
            len = 8 + zeroByte(w1);
            w1 &= keepBelow(len - 8);
            w2 = 0;
        } else if (zeroByte(w2) < 8) {
            len = 16 + zeroByte(w2);
            w2 &= keepBelow(len - 16);
        } else {
            return -1;
        }
        int mask = interned.length - 1;
        for (int i = hashWords(w0, w1, w2) & mask; ; i = (i + 1) & mask) {
            String s = interned[i];
            if (s == null) {
                NativeMemory.copy(at, stringBuffer, len);
                s = new String(stringBuffer, 0, len, StandardCharsets.ISO_8859_1);
                interned[i] = s;
                internedKinds[i] = (byte) MnemonicKind.of(s);
                internedWords[3 * i] = w0;
                internedWords[3 * i + 1] = w1;
                internedWords[3 * i + 2] = w2;
                if (2 * ++internedCount > interned.length) {
                    growInterned();
                    return internedSlot(at);  // moved: found again at once
                }
                return i;
            }
            if (internedWords[3 * i] == w0 && internedWords[3 * i + 1] == w1 && internedWords[3 * i + 2] == w2) {
                return i;
            }
        }
    }

    /** @return a string of 24 characters or more, read anew (never interned) */
    private String longString(long at, int max) {
        NativeMemory.copy(at, stringBuffer, max);
        int len = 24;
        while (len < max && stringBuffer[len] != 0) {
            len++;
        }
        return new String(stringBuffer, 0, len, StandardCharsets.ISO_8859_1);
    }

    /** @return the index of the first zero byte of a little-endian word, 8 when there is none */
    private static int zeroByte(long w) {
        // The lowest flagged byte is always the first zero byte (borrows only run upwards).
        long z = (w - ONES) & ~w & HIGHS;
        return Long.numberOfTrailingZeros(z) >>> 3;
    }

    /** @return a mask keeping the low {@code bytes} bytes of a word */
    private static long keepBelow(int bytes) {
        return bytes == 0 ? 0 : -1L >>> (64 - 8 * bytes);
    }

    private static int hashWords(long w0, long w1, long w2) {
        long h = (w0 * 0x9E37_79B9_7F4A_7C15L) ^ (w1 * 0xC2B2_AE3D_27D4_EB4FL) ^ (w2 * 0x1656_67B1_9E37_79F9L);
        return (int) (h ^ (h >>> 31));
    }

    private void growInterned() {
        String[] oldStrings = interned;
        byte[] oldKinds = internedKinds;
        Insn.Spelling[] oldSpellings = internedSpellings;
        long[] oldWords = internedWords;
        interned = new String[oldStrings.length * 2];
        internedKinds = new byte[oldKinds.length * 2];
        internedSpellings = new Insn.Spelling[oldSpellings.length * 2];
        internedWords = new long[oldWords.length * 2];
        int mask = interned.length - 1;
        for (int j = 0; j < oldStrings.length; j++) {
            if (oldStrings[j] != null) {
                long w0 = oldWords[3 * j];
                long w1 = oldWords[3 * j + 1];
                long w2 = oldWords[3 * j + 2];
                int i = hashWords(w0, w1, w2) & mask;
                while (interned[i] != null) {
                    i = (i + 1) & mask;
                }
                interned[i] = oldStrings[j];
                internedKinds[i] = oldKinds[j];
                internedSpellings[i] = oldSpellings[j];
                internedWords[3 * i] = w0;
                internedWords[3 * i + 1] = w1;
                internedWords[3 * i + 2] = w2;
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("decoder is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            lib.cs_close(handleRef);
        }
    }
}
