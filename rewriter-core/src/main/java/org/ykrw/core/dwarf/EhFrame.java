package org.ykrw.core.dwarf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.diag.MalformedElfException;
import org.ykrw.core.elf.ElfFile;

/**
 * The input's .eh_frame: every CIE and FDE with its pointers decoded to absolute addresses. The one
 * reader of the section, for both its users ({@link ReadFor}): lifting takes the FDEs' ranges and LSDAs
 * ({@link #functionRanges}); the unwind rewriter reads far enough to write every entry again somewhere
 * else (pointers re-encoded at the new position, the rest kept as raw bytes).
 *
 * <p>Invariant: a pointer whose raw value is 0 is "absent" (null), whatever its encoding; libgcc
 * never adds the pc-relative base to a raw 0, so it must stay a raw 0 wherever it is written.
 */
public final class EhFrame {
    private static final int OMIT = PointerEncoding.OMIT;
    private static final byte[] NONE = new byte[0];

    /**
     * A Common Information Entry.
     *
     * @param offset offset in the input .eh_frame
     * @param body everything after the CIE id, verbatim (empty when read for lifting)
     * @param personalityOffset offset in {@code body} of the personality pointer, -1 when none
     * @param personalityEncoding its DW_EH_PE encoding
     * @param personality its absolute value (0 = none)
     * @param fdeEncoding encoding of the FDEs' pc_begin (augmentation 'R'; absptr when absent)
     * @param lsdaEncoding encoding of the FDEs' LSDA pointer (augmentation 'L'; OMIT when absent)
     * @param hasAugmentationData true for a 'z' augmentation (FDEs then carry a data length)
     * @param codeAlignment the code alignment factor
     * @param initialInstructions the CIE's initial CFA instructions (empty when read for lifting)
     */
    public record Cie(long offset, byte[] body, int personalityOffset, int personalityEncoding, long personality,
            int fdeEncoding, int lsdaEncoding, boolean hasAugmentationData, long codeAlignment,
            byte[] initialInstructions) {
    }

    /**
     * A Frame Description Entry.
     *
     * @param offset offset in the input .eh_frame
     * @param cie its CIE
     * @param pcBegin first address covered
     * @param pcRange bytes covered
     * @param lsda absolute LSDA address, 0 when none
     * @param extraAugmentation augmentation data after the LSDA pointer, verbatim (normally empty; empty
     *     when read for lifting)
     * @param instructions the CFA program (empty when read for lifting)
     */
    public record Fde(long offset, Cie cie, long pcBegin, long pcRange, long lsda, byte[] extraAugmentation,
            byte[] instructions) {
        /** @return the address just past the covered range */
        public long pcEnd() {
            return pcBegin + pcRange;
        }
    }

    private final long address;
    private final long size;
    private final List<Object> entries;

    private EhFrame(long address, long size, List<Object> entries) {
        this.address = address;
        this.size = size;
        this.entries = entries;
    }

    /** @return address of the input section */
    public long address() {
        return address;
    }

    /** @return size of the input section */
    public long size() {
        return size;
    }

    /** @return CIEs and FDEs in section order (zero terminators dropped) */
    public List<Object> entries() {
        return entries;
    }

    /** @return the FDEs in section order */
    public List<Fde> fdes() {
        List<Fde> out = new ArrayList<>();
        for (Object e : entries) {
            if (e instanceof Fde f) {
                out.add(f);
            }
        }
        return out;
    }

    /**
     * Finds ({@link EhFrameLocation}) and parses the input's .eh_frame for rewriting.
     *
     * @return the parsed frame, or null when the input has none
     */
    public static EhFrame read(ElfFile elf) {
        return read(elf, ReadFor.REWRITING);
    }

    /**
     * Finds ({@link EhFrameLocation}) and parses the input's .eh_frame.
     *
     * @param use what for: lifting gets empty raw-byte fields and stops at the first terminator
     * @return the parsed frame, or null when the input has none (or, for rewriting, none in the file)
     */
    public static EhFrame read(ElfFile elf, ReadFor use) {
        EhFrameLocation where = EhFrameLocation.find(elf);
        if (where == null) {
            return null;
        }
        long address = where.address();
        long size = where.size();
        long off = elf.fileOffset(address);
        if (off < 0) {
            return null;
        }
        int fileSize = elf.data().length;
        if (use == ReadFor.LIFTING) {
            if (size < 0 || off > fileSize || size > fileSize - off) {
                throw new MalformedElfException(String.format(
                        ".eh_frame at offset 0x%x, size 0x%x runs past end of file (size %d)", off, size, fileSize));
            }
        } else if (off + size > fileSize) {
            return null;
        }
        return new EhFrame(address, size, parse(elf.data(), off, size, address, use));
    }

    /**
     * The FDEs lifting uses: where stripped binaries still say their functions start and end, and
     * where their LSDAs are (found through PT_GNU_EH_FRAME when sections are stripped).
     *
     * @return the FDEs with a non-empty range, read for lifting, in section order
     */
    public static List<Fde> functionRanges(ElfFile elf) {
        EhFrame frame = read(elf, ReadFor.LIFTING);
        if (frame == null) {
            return List.of();
        }
        List<Fde> out = new ArrayList<>();
        for (Fde f : frame.fdes()) {
            if (f.pcRange() > 0) {
                out.add(f);
            }
        }
        return List.copyOf(out);
    }

    /** @return the FDEs of .eh_frame bytes loaded at {@code address} (for round-trip tests) */
    static List<Fde> parseForTest(byte[] bytes, long address) {
        return new EhFrame(address, bytes.length, parse(bytes, 0, bytes.length, address, ReadFor.REWRITING)).fdes();
    }

    private static List<Object> parse(byte[] data, long start, long size, long address, ReadFor use) {
        boolean lifting = use == ReadFor.LIFTING;
        List<Object> out = new ArrayList<>();
        Map<Long, Cie> cies = new HashMap<>();
        long end = start + size;
        long pos = start;
        while (pos + 4 <= end) {
            DwarfCursor r = new DwarfCursor(data, pos, lifting ? data.length : end, use.frameName());
            long length = r.u32();
            if (length == 0) {
                if (lifting) {
                    break;  // libgcc's walk over a registered .eh_frame ends here too
                }
                pos += 4;  // a terminator; static links may hold several (crt objects)
                continue;
            }
            if (length == 0xFFFF_FFFFL) {
                if (!lifting) {
                    throw new UnwindRewriteException(".eh_frame: 64-bit DWARF entries are not supported");
                }
                length = r.u64();
            }
            long body = r.pos;
            if (length < 4 || length > end - body) {
                throw new MalformedElfException(String.format(
                        ".eh_frame entry at +0x%x: length 0x%x runs past the section", pos - start, length));
            }
            long next = body + length;
            // lifting reads each entry within its own length; rewriting (as it always has) within the section
            DwarfCursor e = new DwarfCursor(data, body, lifting ? next : end, use.frameName());
            long id = e.u32();
            if (id == 0) {
                Cie c = readCie(data, e, next, pos - start, address - start, use);
                cies.put(pos - start, c);
                out.add(c);
            } else {
                Cie c = cies.get(body - id - start);
                if (c == null) {
                    throw new MalformedElfException(String.format(".eh_frame FDE at +0x%x refers to no CIE", pos - start));
                }
                out.add(readFde(data, e, next, pos - start, address - start, c, use));
            }
            pos = next;
        }
        return List.copyOf(out);
    }

    /** A pointer as {@code use} reads it: leniently for lifting, exactly ({@link PointerEncoding#readExact}) for rewriting. */
    private static long pointer(DwarfCursor r, int enc, long fieldAddress, ReadFor use) {
        return use == ReadFor.LIFTING ? r.pointer(enc, fieldAddress) : PointerEncoding.readExact(r, enc, fieldAddress);
    }

    /** {@code bias} turns a file offset into a virtual address. */
    private static Cie readCie(byte[] data, DwarfCursor r, long end, long offset, long bias, ReadFor use) {
        boolean lifting = use == ReadFor.LIFTING;
        long bodyStart = r.pos;
        int version = r.u8();
        if (version != 1 && version != 3 && (version != 4 || !lifting)) {
            String problem = String.format(".eh_frame CIE at +0x%x has version %d", offset, version);
            throw lifting ? new MalformedElfException(problem) : new UnwindRewriteException(problem);
        }
        StringBuilder aug = new StringBuilder();
        for (int ch = r.u8(); ch != 0; ch = r.u8()) {
            aug.append((char) ch);
        }
        if (version == 4) {
            r.u8();
            r.u8();  // address size, segment selector size
        }
        long codeAlign = r.uleb();
        r.sleb();  // data alignment
        if (version == 1) {
            r.u8();
        } else {
            r.uleb();  // return address register
        }
        int fdeEnc = 0;  // absptr
        int lsdaEnc = OMIT;
        int personalityEnc = OMIT;
        int personalityOffset = -1;
        long personality = 0;
        boolean z = aug.length() > 0 && aug.charAt(0) == 'z';
        if (aug.length() > 0 && !z && !lifting) {
            throw new UnwindRewriteException(String.format(".eh_frame CIE at +0x%x: augmentation \"%s\" is not supported",
                    offset, aug));
        }
        long instructionsStart = r.pos;
        if (z) {
            long augLength = r.uleb();
            instructionsStart = r.pos + augLength;
            letters:
            for (int i = 1; i < aug.length(); i++) {
                switch (aug.charAt(i)) {
                    case 'R' -> fdeEnc = r.u8();
                    case 'L' -> lsdaEnc = r.u8();
                    case 'P' -> {
                        personalityEnc = r.u8();
                        personalityOffset = (int) (r.pos - bodyStart);
                        personality = pointer(r, personalityEnc, r.pos + bias, use);
                    }
                    case 'S', 'B', 'G' -> { }
                    default -> {
                        if (lifting) {
                            break letters;  // the rest cannot be parsed; what was read is enough to find code
                        }
                        throw new UnwindRewriteException(String.format(
                                ".eh_frame CIE at +0x%x: augmentation letter '%c' is not supported", offset, aug.charAt(i)));
                    }
                }
            }
        }
        if (lifting) {
            return new Cie(offset, NONE, personalityOffset, personalityEnc, personality, fdeEnc, lsdaEnc, z, codeAlign, NONE);
        }
        byte[] body = Arrays.copyOfRange(data, (int) bodyStart, (int) end);
        byte[] initial = Arrays.copyOfRange(data, (int) instructionsStart, (int) end);
        return new Cie(offset, body, personalityOffset, personalityEnc, personality, fdeEnc, lsdaEnc, z, codeAlign,
                initial);
    }

    private static Fde readFde(byte[] data, DwarfCursor r, long end, long offset, long bias, Cie c, ReadFor use) {
        long pcBegin = pointer(r, c.fdeEncoding(), r.pos + bias, use);
        long pcRange = pointer(r, c.fdeEncoding() & 0x0F, 0, use);
        long lsda = 0;
        byte[] extra = NONE;
        if (c.hasAugmentationData()) {
            long augLength = r.uleb();
            long augEnd = r.pos + augLength;
            if (c.lsdaEncoding() != OMIT) {
                lsda = pointer(r, c.lsdaEncoding(), r.pos + bias, use);
            }
            if (use == ReadFor.LIFTING) {
                return new Fde(offset, c, pcBegin, pcRange, lsda, NONE, NONE);
            }
            extra = Arrays.copyOfRange(data, (int) r.pos, (int) augEnd);
            r.pos = augEnd;
        }
        if (use == ReadFor.LIFTING) {
            return new Fde(offset, c, pcBegin, pcRange, lsda, NONE, NONE);
        }
        byte[] instructions = Arrays.copyOfRange(data, (int) r.pos, (int) end);
        return new Fde(offset, c, pcBegin, pcRange, lsda, extra, instructions);
    }
}
