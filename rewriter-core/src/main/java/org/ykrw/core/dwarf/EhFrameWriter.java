package org.ykrw.core.dwarf;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a .eh_frame at a given address: copies of the input's CIEs and FDEs (their pointers
 * re-encoded for the new place, everything else verbatim), then FDEs for moved code, then a zero
 * terminator. Remembers every FDE's pc_begin and address for .eh_frame_hdr.
 */
public final class EhFrameWriter {
    private final long address;
    private final DwarfWriter out = new DwarfWriter();
    /**
     * By identity: a record's hash would go over all its fields (slowly, through method handles), and
     * two CIEs read from different places are never equal anyway (their arrays differ).
     */
    private final Map<EhFrame.Cie, Long> cieAddress = new IdentityHashMap<>();
    private final List<long[]> table = new ArrayList<>();   // {pcBegin, fde address}

    /** @param address where the section will be loaded */
    public EhFrameWriter(long address) {
        this.address = address;
    }

    private long here() {
        return address + out.size();
    }

    /** Copies a CIE; FDEs written later refer to the copy. */
    public void cie(EhFrame.Cie c) {
        cieAddress.put(c, here());
        out.u32(4 + c.body().length).u32(0);
        long bodyAddress = here();
        byte[] body = c.body().clone();
        if (c.personalityOffset() >= 0) {
            DwarfWriter p = new DwarfWriter();
            PointerEncoding.write(p, c.personalityEncoding(), c.personality(), bodyAddress + c.personalityOffset());
            byte[] pb = p.toByteArray();
            System.arraycopy(pb, 0, body, c.personalityOffset(), pb.length);
        }
        out.bytes(body);
    }

    /**
     * Writes an FDE referring to the copy of {@code cie} (already written).
     *
     * @param pad true to pad the entry to 8 bytes with DW_CFA_nop (copies keep their own size)
     */
    public void fde(EhFrame.Cie cie, long pcBegin, long pcRange, long lsda, byte[] extra, byte[] instructions, boolean pad) {
        Long ciePos = cieAddress.get(cie);
        if (ciePos == null) {
            throw new IllegalStateException("FDE before its CIE");
        }
        int enc = cie.fdeEncoding();
        int size = 4 + 2 * PointerEncoding.size(enc) + instructions.length;
        int augSize = 0;
        if (cie.hasAugmentationData()) {
            augSize = (cie.lsdaEncoding() == PointerEncoding.OMIT ? 0 : PointerEncoding.size(cie.lsdaEncoding())) + extra.length;
            size += DwarfWriter.ulebSize(augSize) + augSize;
        }
        int padding = pad ? (8 - (4 + size) % 8) % 8 : 0;
        long start = here();
        out.u32(size + padding);
        out.u32(here() - ciePos);
        PointerEncoding.write(out, enc, pcBegin, here());
        PointerEncoding.write(out, enc & 0x0F, pcRange, 0);
        if (cie.hasAugmentationData()) {
            out.uleb(augSize);
            PointerEncoding.write(out, cie.lsdaEncoding(), lsda, here());
            out.bytes(extra);
        }
        out.bytes(instructions);
        for (int i = 0; i < padding; i++) {
            out.u8(0);
        }
        if (pcRange > 0 && pcBegin != 0) {
            table.add(new long[] {pcBegin, start});
        }
    }

    /** Copies every entry of the input's .eh_frame, in order. */
    public void copy(EhFrame frame) {
        for (Object e : frame.entries()) {
            if (e instanceof EhFrame.Cie c) {
                cie(c);
            } else {
                EhFrame.Fde f = (EhFrame.Fde) e;
                fde(f.cie(), f.pcBegin(), f.pcRange(), f.lsda(), f.extraAugmentation(), f.instructions(), false);
            }
        }
    }

    /** @return the section bytes, terminated */
    public byte[] finish() {
        out.u32(0);
        return out.toByteArray();
    }

    /** @return {pcBegin, fde address} of every FDE written with a non-empty range */
    public List<long[]> table() {
        return table;
    }
}
