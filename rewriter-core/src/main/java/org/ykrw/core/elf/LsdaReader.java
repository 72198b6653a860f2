package org.ykrw.core.elf;

import java.util.ArrayList;
import java.util.List;
import org.ykrw.core.diag.MalformedElfException;

/**
 * Reads the call-site table of a language-specific data area (.gcc_except_table) to find landing
 * pads: code that only the unwinder enters, which recursive descent would otherwise never see.
 */
final class LsdaReader {
    private static final int OMIT = EhFrameReader.DW_EH_PE_OMIT;

    private LsdaReader() {
    }

    static List<Long> landingPads(ElfFile elf, FrameDescription fde) {
        long off = elf.fileOffset(fde.lsda());
        if (fde.lsda() == 0 || off < 0) {
            return List.of();
        }
        Segment seg = elf.loadSegmentContaining(fde.lsda());
        long end = seg.offset() + seg.filesz();
        DwarfCursor c = new DwarfCursor(elf.data(), off, end, "LSDA");
        long lpStart = fde.pcBegin();
        int lpStartEnc = c.u8();
        if (lpStartEnc != OMIT) {
            lpStart = c.pointer(lpStartEnc, fde.lsda() + (c.pos - off));
        }
        int ttypeEnc = c.u8();
        if (ttypeEnc != OMIT) {
            c.uleb();
        }
        int callSiteEnc = c.u8();
        long length = c.uleb();
        if (length > end - c.pos) {
            throw new MalformedElfException(String.format("LSDA at 0x%x: call-site table runs past its segment", fde.lsda()));
        }
        long tableEnd = c.pos + length;
        List<Long> pads = new ArrayList<>();
        while (c.pos < tableEnd) {
            c.pointer(callSiteEnc & 0x0F, 0);
            c.pointer(callSiteEnc & 0x0F, 0);
            long pad = c.pointer(callSiteEnc & 0x0F, 0);
            c.uleb();
            if (pad != 0) {
                pads.add(lpStart + pad);
            }
        }
        return pads;
    }
}
