package org.ykrw.core.elf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.diag.MalformedElfException;

/**
 * Lists the FDEs of .eh_frame: the code ranges unwind information covers, which is where stripped
 * binaries still say where their functions start and end. Only what is needed for that (and the LSDA
 * pointer) is decoded here; full CFA programs belong to the unwind-info rewriter.
 */
final class EhFrameReader {
    static final int DW_EH_PE_OMIT = 0xFF;

    private EhFrameReader() {
    }

    static List<FrameDescription> read(ElfFile elf) {
        EhFrameLocation where = EhFrameLocation.find(elf);
        if (where == null) {
            return List.of();
        }
        long address = where.address();
        long size = where.size();
        long off = elf.fileOffset(address);
        if (off < 0) {
            return List.of();
        }
        ByteReader in = elf.reader();
        in.require(off, size, ".eh_frame");
        return parse(in, off, size, address);
    }

    private static List<FrameDescription> parse(ByteReader in, long start, long size, long address) {
        List<FrameDescription> out = new ArrayList<>();
        Map<Long, int[]> cieEncodings = new HashMap<>();  // cie offset -> {fde encoding, lsda encoding}
        long pos = start;
        long end = start + size;
        while (pos + 4 <= end) {
            long length = in.u32(pos);
            if (length == 0) {
                break;  // terminator
            }
            long hdr = 4;
            if (length == 0xFFFF_FFFFL) {
                length = in.u64(pos + 4);
                hdr = 12;
            }
            long body = pos + hdr;
            if (length < 4 || length > end - body) {
                throw new MalformedElfException(String.format(".eh_frame entry at +0x%x: length 0x%x runs past the section",
                        pos - start, length));
            }
            long next = body + length;
            long ciePointer = in.u32(body);
            if (ciePointer == 0) {
                cieEncodings.put(pos, readCie(in, body + 4, next, pos - start));
            } else {
                long ciePos = body - ciePointer;
                int[] enc = cieEncodings.get(ciePos);
                if (enc == null) {
                    throw new MalformedElfException(String.format(".eh_frame FDE at +0x%x refers to no CIE", pos - start));
                }
                DwarfCursor c = new DwarfCursor(in.data(), body + 4, next, ".eh_frame");
                long pcBegin = c.pointer(enc[0], address + (c.pos - start));
                long pcRange = c.pointer(enc[0] & 0x0F, 0);
                long lsda = 0;
                if (enc[2] != 0) {
                    c.uleb();  // augmentation data length
                    if (enc[1] != DW_EH_PE_OMIT) {
                        lsda = c.pointer(enc[1], address + (c.pos - start));
                    }
                }
                if (pcRange > 0) {
                    out.add(new FrameDescription(pos - start, pcBegin, pcRange, lsda));
                }
            }
            pos = next;
        }
        return List.copyOf(out);
    }

    /** @return {fde pointer encoding, lsda encoding, has 'z' augmentation} */
    private static int[] readCie(ByteReader in, long p, long end, long where) {
        DwarfCursor c = new DwarfCursor(in.data(), p, end, ".eh_frame");
        int version = c.u8();
        if (version != 1 && version != 3 && version != 4) {
            throw new MalformedElfException(String.format(".eh_frame CIE at +0x%x has version %d", where, version));
        }
        StringBuilder aug = new StringBuilder();
        for (int ch = c.u8(); ch != 0; ch = c.u8()) {
            aug.append((char) ch);
        }
        if (version == 4) {
            c.u8();
            c.u8();  // address size, segment selector size
        }
        c.uleb();  // code alignment
        c.sleb();  // data alignment
        if (version == 1) {
            c.u8();
        } else {
            c.uleb();  // return address register
        }
        int fdeEnc = 0;  // absptr
        int lsdaEnc = DW_EH_PE_OMIT;
        boolean z = aug.length() > 0 && aug.charAt(0) == 'z';
        if (z) {
            c.uleb();
            for (int i = 1; i < aug.length(); i++) {
                switch (aug.charAt(i)) {
                    case 'R' -> fdeEnc = c.u8();
                    case 'L' -> lsdaEnc = c.u8();
                    case 'P' -> {
                        int penc = c.u8();
                        c.pointer(penc, 0);
                    }
                    case 'S', 'B', 'G' -> { }
                    default -> {
                        return new int[] {fdeEnc, lsdaEnc, 1};  // unknown letter: the rest cannot be parsed
                    }
                }
            }
        }
        return new int[] {fdeEnc, lsdaEnc, z ? 1 : 0};
    }
}
