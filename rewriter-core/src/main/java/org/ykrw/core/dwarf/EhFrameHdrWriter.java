package org.ykrw.core.dwarf;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes .eh_frame_hdr: version 1, a pc-relative pointer to .eh_frame, and the binary-search table
 * libgcc's unwinder (and glibc's _dl_find_object users) search: (initial location, FDE address)
 * pairs relative to the header, sorted by initial location.
 */
public final class EhFrameHdrWriter {
    private static final int PCREL_SDATA4 = 0x1B;
    private static final int UDATA4 = 0x03;
    private static final int DATAREL_SDATA4 = 0x3B;

    private EhFrameHdrWriter() {
    }

    /**
     * @param address where the header will be loaded
     * @param ehFrameAddress where .eh_frame is
     * @param fdes {pcBegin, fde address} pairs, in any order
     * @return the header bytes
     */
    public static byte[] write(long address, long ehFrameAddress, List<long[]> fdes) {
        List<long[]> sorted = new ArrayList<>(fdes);
        sorted.sort((a, b) -> Long.compareUnsigned(a[0], b[0]));
        DwarfWriter out = new DwarfWriter();
        out.u8(1).u8(PCREL_SDATA4).u8(UDATA4).u8(DATAREL_SDATA4);
        PointerEncoding.write(out, PCREL_SDATA4, ehFrameAddress, address + out.size());
        out.u32(sorted.size());
        for (long[] e : sorted) {
            PointerEncoding.write(out, DATAREL_SDATA4 & 0x0F, e[0] - address, 0);
            PointerEncoding.write(out, DATAREL_SDATA4 & 0x0F, e[1] - address, 0);
        }
        return out.toByteArray();
    }
}
