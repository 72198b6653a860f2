package org.ykrw.core.dwarf;

import java.util.ArrayList;
import java.util.List;
import org.ykrw.core.diag.MalformedElfException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Segment;

/**
 * The header and call-site table of a language-specific data area (.gcc_except_table), the one reader
 * for both users ({@link ReadFor}): lifting takes the landing pads ({@link #landingPads}: code only the
 * unwinder enters, which recursive descent would otherwise never see); {@link LsdaRemapper} copies the
 * LSDA for moved code.
 *
 * <p>Layout: LPStart encoding [LPStart], TType encoding [TType offset], call-site encoding, call-site
 * table length, call sites (start and length relative to the FDE's pc_begin, landing pad relative to
 * LPStart, 0 = none; action), then the action table, type table and exception specifications, which
 * only the remapper reads.
 */
public final class Lsda {
    /**
     * One call site, as stored.
     *
     * @param start start, relative to the FDE's pc_begin
     * @param length bytes covered
     * @param landingPad landing pad relative to LPStart, 0 when none
     * @param action 1 + offset of the first action record from the end of the call-site table, 0 when none
     */
    public record CallSite(long start, long length, long landingPad, long action) {
    }

    private final ElfFile elf;
    private final ReadFor use;
    private final long address;
    private final long fileOffset;
    private final long end;            // file offset: the end of the LSDA's segment's file bytes
    final long lpStart;
    final int ttypeEncoding;
    final long ttypeBase;              // address; 0 without a type table
    final int callSiteEncoding;
    final long callSitesStart;         // file offsets
    final long callSitesEnd;

    /**
     * Reads the header of the LSDA at {@code address}.
     *
     * @param regionStart pc_begin of the FDE that uses it (the base of call-site offsets, and LPStart's default)
     * @throws MalformedElfException when it is not in the file or its call-site table runs past its segment
     */
    public Lsda(ElfFile elf, long address, long regionStart, ReadFor use) {
        this.elf = elf;
        this.use = use;
        this.address = address;
        this.fileOffset = elf.fileOffset(address);
        if (fileOffset < 0) {
            throw new MalformedElfException(String.format("LSDA at 0x%x is not in the file", address));
        }
        Segment seg = elf.loadSegmentContaining(address);
        this.end = seg.offset() + seg.filesz();
        DwarfCursor r = cursor(fileOffset);
        int lpStartEncoding = r.u8();
        if (lpStartEncoding == PointerEncoding.OMIT) {
            lpStart = regionStart;
        } else if (use == ReadFor.LIFTING) {
            lpStart = r.pointer(lpStartEncoding, addressOf(r.pos));
        } else {
            lpStart = PointerEncoding.readExact(r, lpStartEncoding, addressOf(r.pos));
        }
        ttypeEncoding = r.u8();
        long base = 0;
        if (ttypeEncoding != PointerEncoding.OMIT) {
            long ttypeOffset = r.uleb();
            base = addressOf(r.pos) + ttypeOffset;
        }
        ttypeBase = base;
        callSiteEncoding = r.u8();
        long length = r.uleb();
        if (length > end - r.pos) {
            throw new MalformedElfException(String.format("LSDA at 0x%x: call-site table runs past its segment", address));
        }
        callSitesStart = r.pos;
        callSitesEnd = r.pos + length;
    }

    /**
     * Lifting's view: the landing pads of an FDE's LSDA.
     *
     * @param fde an FDE of {@code elf}
     * @return landing-pad addresses of its LSDA's call-site table, in table order (empty when it has no
     *     LSDA, or one outside the file)
     * @throws MalformedElfException naming the file, when the LSDA is malformed
     */
    public static List<Long> landingPads(ElfFile elf, EhFrame.Fde fde) {
        if (fde.lsda() == 0 || elf.fileOffset(fde.lsda()) < 0) {
            return List.of();
        }
        try {
            Lsda lsda = new Lsda(elf, fde.lsda(), fde.pcBegin(), ReadFor.LIFTING);
            List<Long> pads = new ArrayList<>();
            for (CallSite cs : lsda.callSites()) {
                if (cs.landingPad() != 0) {
                    pads.add(lsda.lpStart + cs.landingPad());
                }
            }
            return pads;
        } catch (MalformedElfException e) {
            throw new MalformedElfException(elf.name() + ": " + e.getMessage());
        }
    }

    /** @return the call sites, in table order */
    public List<CallSite> callSites() {
        List<CallSite> out = new ArrayList<>();
        DwarfCursor r = cursor(callSitesStart);
        int format = callSiteEncoding & 0x0F;
        while (r.pos < callSitesEnd) {
            long start = r.pointer(format, 0);
            long length = r.pointer(format, 0);
            long pad = r.pointer(format, 0);
            long action = r.uleb();
            out.add(new CallSite(start, length, pad, action));
        }
        return out;
    }

    /** @return a cursor at a file offset inside the LSDA, bounded by its segment */
    DwarfCursor cursor(long at) {
        return new DwarfCursor(elf.data(), at, end, use.lsdaName());
    }

    /** @return the file offset of an address of this LSDA (the type table base may be the very end of its segment) */
    long offsetOf(long vaddr) {
        return fileOffset + (vaddr - address);
    }

    /** @return the address of a file offset inside this LSDA */
    long addressOf(long offset) {
        return address + (offset - fileOffset);
    }
}
