package org.ykrw.core.meta;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.diag.MalformedElfException;
import org.ykrw.core.elf.DwarfCursor;
import org.ykrw.core.elf.EhFrameLocation;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Section;
import org.ykrw.core.elf.Segment;

/**
 * The input's .eh_frame, parsed far enough to be written again somewhere else: every CIE and FDE with
 * its pointers decoded to absolute addresses (so they can be re-encoded at a new position) and the
 * rest kept as raw bytes.
 *
 * <p>Invariant: a pointer whose raw value is 0 is "absent" (null), whatever its encoding; libgcc
 * never adds the pc-relative base to a raw 0, so it must stay a raw 0 wherever it is written.
 */
public final class EhFrame {
    /** DW_EH_PE_omit. */
    static final int OMIT = 0xFF;

    /**
     * A Common Information Entry.
     *
     * @param offset offset in the input .eh_frame
     * @param body everything after the CIE id, verbatim
     * @param personalityOffset offset in {@code body} of the personality pointer, -1 when none
     * @param personalityEncoding its DW_EH_PE encoding
     * @param personality its absolute value (0 = none)
     * @param fdeEncoding encoding of the FDEs' pc_begin (augmentation 'R'; absptr when absent)
     * @param lsdaEncoding encoding of the FDEs' LSDA pointer (augmentation 'L'; OMIT when absent)
     * @param hasAugmentationData true for a 'z' augmentation (FDEs then carry a data length)
     * @param codeAlignment the code alignment factor
     * @param initialInstructions the CIE's initial CFA instructions
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
     * @param extraAugmentation augmentation data after the LSDA pointer, verbatim (normally empty)
     * @param instructions the CFA program
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
     * Finds ({@link EhFrameLocation}) and parses the input's .eh_frame.
     *
     * @return the parsed frame, or null when the input has none
     */
    public static EhFrame read(ElfFile elf) {
        EhFrameLocation where = EhFrameLocation.find(elf);
        if (where == null) {
            return null;
        }
        long address = where.address();
        long size = where.size();
        long off = elf.fileOffset(address);
        if (off < 0 || off + size > elf.data().length) {
            return null;
        }
        return new EhFrame(address, size, parse(elf.data(), off, size, address));
    }

    /** @return the FDEs of .eh_frame bytes loaded at {@code address} (for round-trip tests) */
    static List<Fde> parseForTest(byte[] bytes, long address) {
        return new EhFrame(address, bytes.length, parse(bytes, 0, bytes.length, address)).fdes();
    }

    private static List<Object> parse(byte[] data, long start, long size, long address) {
        List<Object> out = new ArrayList<>();
        Map<Long, Cie> cies = new HashMap<>();
        long end = start + size;
        long pos = start;
        while (pos + 4 <= end) {
            DwarfCursor r = new DwarfCursor(data, pos, end, "unwind information");
            long length = r.u32();
            if (length == 0) {
                pos += 4;  // a terminator; static links may hold several (crt objects)
                continue;
            }
            if (length == 0xFFFF_FFFFL) {
                throw new UnwindRewriteException(".eh_frame: 64-bit DWARF entries are not supported");
            }
            long body = r.pos;
            if (length < 4 || length > end - body) {
                throw new MalformedElfException(String.format(".eh_frame entry at +0x%x runs past the section", pos - start));
            }
            long next = body + length;
            long id = r.u32();
            if (id == 0) {
                Cie c = readCie(data, r, next, pos - start, address - start);
                cies.put(pos - start, c);
                out.add(c);
            } else {
                Cie c = cies.get(body - id - start);
                if (c == null) {
                    throw new MalformedElfException(String.format(".eh_frame FDE at +0x%x refers to no CIE", pos - start));
                }
                out.add(readFde(data, r, next, pos - start, address - start, c));
            }
            pos = next;
        }
        return List.copyOf(out);
    }

    /** {@code bias} turns a file offset into a virtual address. */
    private static Cie readCie(byte[] data, DwarfCursor r, long end, long offset, long bias) {
        long bodyStart = r.pos;
        int version = r.u8();
        if (version != 1 && version != 3) {
            throw new UnwindRewriteException(String.format(".eh_frame CIE at +0x%x has version %d", offset, version));
        }
        StringBuilder aug = new StringBuilder();
        for (int ch = r.u8(); ch != 0; ch = r.u8()) {
            aug.append((char) ch);
        }
        long codeAlign = r.uleb();
        r.sleb();
        if (version == 1) {
            r.u8();
        } else {
            r.uleb();
        }
        int fdeEnc = 0;
        int lsdaEnc = OMIT;
        int personalityEnc = OMIT;
        int personalityOffset = -1;
        long personality = 0;
        boolean z = aug.length() > 0 && aug.charAt(0) == 'z';
        if (aug.length() > 0 && !z) {
            throw new UnwindRewriteException(String.format(".eh_frame CIE at +0x%x: augmentation \"%s\" is not supported",
                    offset, aug));
        }
        long instructionsStart;
        if (z) {
            long augLength = r.uleb();
            long augEnd = r.pos + augLength;
            for (int i = 1; i < aug.length(); i++) {
                switch (aug.charAt(i)) {
                    case 'R' -> fdeEnc = r.u8();
                    case 'L' -> lsdaEnc = r.u8();
                    case 'P' -> {
                        personalityEnc = r.u8();
                        personalityOffset = (int) (r.pos - bodyStart);
                        personality = readPointer(r, personalityEnc, r.pos + bias);
                    }
                    case 'S', 'B', 'G' -> { }
                    default -> throw new UnwindRewriteException(String.format(
                            ".eh_frame CIE at +0x%x: augmentation letter '%c' is not supported", offset, aug.charAt(i)));
                }
            }
            instructionsStart = augEnd;
        } else {
            instructionsStart = r.pos;
        }
        byte[] body = Arrays.copyOfRange(data, (int) bodyStart, (int) end);
        byte[] initial = Arrays.copyOfRange(data, (int) instructionsStart, (int) end);
        return new Cie(offset, body, personalityOffset, personalityEnc, personality, fdeEnc, lsdaEnc, z, codeAlign,
                initial);
    }

    private static Fde readFde(byte[] data, DwarfCursor r, long end, long offset, long bias, Cie c) {
        long pcBegin = readPointer(r, c.fdeEncoding(), r.pos + bias);
        long pcRange = readPointer(r, c.fdeEncoding() & 0x0F, 0);
        long lsda = 0;
        byte[] extra = new byte[0];
        if (c.hasAugmentationData()) {
            long augLength = r.uleb();
            long augEnd = r.pos + augLength;
            if (c.lsdaEncoding() != OMIT) {
                lsda = readPointer(r, c.lsdaEncoding(), r.pos + bias);
            }
            extra = Arrays.copyOfRange(data, (int) r.pos, (int) augEnd);
            r.pos = augEnd;
        }
        byte[] instructions = Arrays.copyOfRange(data, (int) r.pos, (int) end);
        return new Fde(offset, c, pcBegin, pcRange, lsda, extra, instructions);
    }

    /** @return the pointer's absolute value, 0 when its raw value is 0 */
    static long readPointer(DwarfCursor r, int enc, long fieldAddress) {
        if (enc == OMIT) {
            return 0;
        }
        int application = enc & 0x70;
        if (application != 0 && application != 0x10) {
            throw new UnwindRewriteException(String.format("pointer encoding 0x%x is not supported", enc));
        }
        long raw = r.pointer(enc & 0x0F, 0);
        return raw == 0 ? 0 : application == 0x10 ? raw + fieldAddress : raw;
    }

    /**
     * Writes a pointer in {@code enc} so that it reads back as {@code value} at {@code fieldAddress}.
     *
     * @throws UnwindRewriteException when the value does not fit the encoding there
     */
    static void writePointer(DwarfBytes out, int enc, long value, long fieldAddress) {
        if (enc == OMIT) {
            return;
        }
        int application = enc & 0x70;
        long raw = value == 0 ? 0 : application == 0x10 ? value - fieldAddress : value;
        switch (enc & 0x0F) {
            case 0x00, 0x04, 0x0C -> out.u64(raw);
            case 0x03 -> {
                check(raw >= 0 && raw <= 0xFFFF_FFFFL, enc, value);
                out.u32(raw);
            }
            case 0x0B -> {
                check(raw == (int) raw, enc, value);
                out.u32(raw);
            }
            case 0x02 -> {
                check(raw >= 0 && raw <= 0xFFFF, enc, value);
                out.u8((int) raw & 0xFF).u8((int) (raw >> 8) & 0xFF);
            }
            case 0x0A -> {
                check(raw == (short) raw, enc, value);
                out.u8((int) raw & 0xFF).u8((int) (raw >> 8) & 0xFF);
            }
            case 0x01 -> {
                check(application == 0 && raw >= 0, enc, value);  // a pc-relative LEB's size would depend on its place
                out.uleb(raw);
            }
            case 0x09 -> {
                check(application == 0, enc, value);
                out.sleb(raw);
            }
            default -> throw new UnwindRewriteException(String.format("pointer encoding 0x%x is not supported", enc));
        }
    }

    /** @return the size {@link #writePointer} gives a fixed-size encoding */
    static int pointerSize(int enc) {
        return switch (enc & 0x0F) {
            case 0x00, 0x04, 0x0C -> 8;
            case 0x03, 0x0B -> 4;
            case 0x02, 0x0A -> 2;
            default -> throw new UnwindRewriteException(String.format("pointer encoding 0x%x has no fixed size", enc));
        };
    }

    private static void check(boolean ok, int enc, long value) {
        if (!ok) {
            throw new UnwindRewriteException(String.format("0x%x does not fit pointer encoding 0x%x", value, enc));
        }
    }
}
