package org.ykrw.core.meta;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongUnaryOperator;
import org.ykrw.core.diag.MalformedElfException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Segment;

/**
 * Writes a copy of a language-specific data area (.gcc_except_table) for moved code: a new header and
 * call-site table in new addresses, followed by the old action table, type table and exception
 * specifications copied as one block (their references are relative to each other and to the type
 * table base, which keeps its place inside the block); pc-relative type entries are re-encoded.
 *
 * <p>Layout read (and written): LPStart encoding [LPStart], TType encoding [TType offset], call-site
 * encoding, call-site table length, call sites (start and length relative to the FDE's pc_begin,
 * landing pad relative to LPStart, 0 = none; action), action table, ..., type entries growing down
 * from the TType base, exception-specification lists after it.
 */
final class LsdaRemapper {
    private final ElfFile elf;
    private final long oldAddress;
    private final long oldRegionStart;

    // parsed input
    private long oldLpStart;
    private int ttypeEncoding;
    private int callSiteEncoding;
    private long oldTtypeBase;
    private long callSitesStart;   // file offsets
    private long callSitesEnd;
    private long blockEnd;         // file offset just past the copied block
    private long maxTypeIndex;     // highest type-table index any reached action or specification uses

    /**
     * @param elf the input
     * @param oldAddress the LSDA's address
     * @param oldRegionStart pc_begin of the FDE that uses it (the base of call-site offsets, and LPStart's default)
     */
    LsdaRemapper(ElfFile elf, long oldAddress, long oldRegionStart) {
        this.elf = elf;
        this.oldAddress = oldAddress;
        this.oldRegionStart = oldRegionStart;
        parse();
    }

    /** File offset of an address of this LSDA (the type table base may be the very end of its segment). */
    private long offsetOf(long vaddr) {
        return elf.fileOffset(oldAddress) + (vaddr - oldAddress);
    }

    private long addressOf(long fileOffset) {
        return oldAddress + (fileOffset - elf.fileOffset(oldAddress));
    }

    private DwarfReader reader(long fileOffset) {
        Segment seg = elf.loadSegmentContaining(oldAddress);
        return new DwarfReader(elf.data(), fileOffset, seg.offset() + seg.filesz());
    }

    private void parse() {
        long off = elf.fileOffset(oldAddress);
        if (off < 0) {
            throw new MalformedElfException(String.format("LSDA at 0x%x is not in the file", oldAddress));
        }
        DwarfReader r = reader(off);
        int lpStartEncoding = r.u8();
        oldLpStart = lpStartEncoding == EhFrame.OMIT ? oldRegionStart
                : EhFrame.readPointer(r, lpStartEncoding, addressOf(r.pos));
        ttypeEncoding = r.u8();
        oldTtypeBase = 0;
        if (ttypeEncoding != EhFrame.OMIT) {
            long ttypeOffset = r.uleb();
            oldTtypeBase = addressOf(r.pos) + ttypeOffset;
        }
        callSiteEncoding = r.u8();
        long length = r.uleb();
        callSitesStart = r.pos;
        callSitesEnd = r.pos + length;
        // 1. the action records the call sites reach, to find the highest type index and the block's end
        Set<Long> actions = new HashSet<>();
        for (long[] cs : callSites()) {
            if (cs[3] != 0) {
                actions.add(callSitesEnd + cs[3] - 1);
            }
        }
        long actionEnd = callSitesEnd;
        long maxTypeIndex = 0;
        long specEnd = 0;   // bytes used after the TType base by exception specifications
        Deque<Long> work = new ArrayDeque<>(actions);
        while (!work.isEmpty()) {
            long at = work.pop();
            DwarfReader a = reader(at);
            long filter = a.sleb();
            long nextField = a.pos;
            long next = a.sleb();
            actionEnd = Math.max(actionEnd, a.pos);
            if (filter > 0) {
                maxTypeIndex = Math.max(maxTypeIndex, filter);
            } else if (filter < 0 && ttypeEncoding != EhFrame.OMIT) {
                DwarfReader s = reader(offsetOf(oldTtypeBase) + (-filter - 1));
                for (long index = s.uleb(); index != 0; index = s.uleb()) {
                    maxTypeIndex = Math.max(maxTypeIndex, index);
                }
                specEnd = Math.max(specEnd, s.pos - offsetOf(oldTtypeBase));
            }
            if (next != 0 && actions.add(nextField + next)) {
                work.push(nextField + next);
            }
        }
        blockEnd = ttypeEncoding == EhFrame.OMIT ? actionEnd : Math.max(actionEnd, offsetOf(oldTtypeBase) + specEnd);
        if (ttypeEncoding != EhFrame.OMIT
                && offsetOf(oldTtypeBase) - maxTypeIndex * EhFrame.pointerSize(ttypeEncoding) < callSitesEnd) {
            throw new MalformedElfException(String.format("LSDA at 0x%x: type table (base 0x%x, %d entries) overlaps its"
                    + " call sites (end 0x%x)", oldAddress, oldTtypeBase, maxTypeIndex, addressOf(callSitesEnd)));
        }
        this.maxTypeIndex = maxTypeIndex;
        if (maxTypeIndex > 0 && (ttypeEncoding & 0x70) == 0 && !elf.isExecutable()) {
            // absolute type entries in a position-independent file are set by load-time relocations,
            // which a copy would not get (gcc and clang write pc-relative indirect entries instead)
            throw new UnwindRewriteException(String.format("LSDA at 0x%x: absolute type-table entries need relocations",
                    oldAddress));
        }
    }

    /** @return the call sites as {start, length, landing pad, action} (offsets as stored) */
    private List<long[]> callSites() {
        List<long[]> out = new ArrayList<>();
        DwarfReader r = reader(callSitesStart);
        while (r.pos < callSitesEnd) {
            long start = EhFrame.readPointer(r, callSiteEncoding & 0x0F, 0);
            long len = EhFrame.readPointer(r, callSiteEncoding & 0x0F, 0);
            long pad = EhFrame.readPointer(r, callSiteEncoding & 0x0F, 0);
            long action = r.uleb();
            out.add(new long[] {start, len, pad, action});
        }
        return out;
    }

    /**
     * Writes the copy.
     *
     * @param newAddress where the copy goes
     * @param newRegionStart pc_begin of the new FDE
     * @param newRegionEnd end of the new FDE's range
     * @param siteMap old address -> new address of the first moved instruction at or after it inside the
     *     new FDE's range ({@code newRegionEnd} when none): call-site bounds
     * @param padMap old landing pad -> its new address (or the old one when it did not move)
     * @return the bytes of the new LSDA
     */
    byte[] write(long newAddress, long newRegionStart, long newRegionEnd, LongUnaryOperator siteMap,
            LongUnaryOperator padMap) {
        // 1. call sites in new addresses; empty ones (code not in this FDE's piece) are dropped
        List<long[]> sites = new ArrayList<>();
        long lowestPad = Long.MAX_VALUE;
        for (long[] cs : callSites()) {
            long oldStart = oldRegionStart + cs[0];
            long start = siteMap.applyAsLong(oldStart);
            long end = siteMap.applyAsLong(oldStart + cs[1]);
            if (end <= start) {
                continue;
            }
            long pad = cs[2] == 0 ? 0 : padMap.applyAsLong(oldLpStart + cs[2]);
            if (pad != 0) {
                lowestPad = Math.min(lowestPad, pad);
            }
            sites.add(new long[] {start - newRegionStart, end - start, pad, cs[3]});
        }
        // 2. LPStart: the FDE start unless a pad lies at or before it (offset 0 would mean "no pad")
        long lpStart = lowestPad > newRegionStart ? newRegionStart : lowestPad - 1;
        int siteEncoding = callSiteEncoding & 0x0F;
        for (long[] s : sites) {
            if (s[2] != 0) {
                s[2] -= lpStart;
            }
            if (siteEncoding != 0x01 && !fits(siteEncoding, Math.max(s[0], Math.max(s[1], s[2])))) {
                siteEncoding = 0x01;  // widen to uleb128, which holds any offset
            }
        }
        DwarfBytes table = new DwarfBytes();
        for (long[] s : sites) {
            EhFrame.writePointer(table, siteEncoding, s[0], 0);
            EhFrame.writePointer(table, siteEncoding, s[1], 0);
            EhFrame.writePointer(table, siteEncoding, s[2], 0);
            table.uleb(s[3]);
        }
        byte[] siteBytes = table.toByteArray();
        // Action offsets count from the end of the call-site table, so a dropped site leaves them valid.
        // 3. header
        DwarfBytes out = new DwarfBytes();
        if (lpStart == newRegionStart) {
            out.u8(EhFrame.OMIT);
        } else {
            out.u8(0x1B);
            EhFrame.writePointer(out, 0x1B, lpStart, newAddress + out.size());
        }
        out.u8(ttypeEncoding);
        long blockStart = callSitesEnd;
        long copied = blockEnd - blockStart;
        if (ttypeEncoding != EhFrame.OMIT) {
            long afterField = 1 + DwarfBytes.ulebSize(siteBytes.length) + siteBytes.length
                    + (offsetOf(oldTtypeBase) - blockStart);
            out.uleb(afterField);
        }
        out.u8(siteEncoding);
        out.uleb(siteBytes.length);
        out.bytes(siteBytes);
        // 4. action table, type table, exception specifications: one block; type entries re-encoded
        long newBlockAddress = newAddress + out.size();
        byte[] block = Arrays.copyOfRange(elf.data(), (int) blockStart, (int) blockEnd);
        if (ttypeEncoding != EhFrame.OMIT && (ttypeEncoding & 0x70) == 0x10) {
            int size = EhFrame.pointerSize(ttypeEncoding);
            long baseInBlock = offsetOf(oldTtypeBase) - blockStart;
            for (long k = 1; k <= maxTypeIndex; k++) {
                long oldField = offsetOf(oldTtypeBase) - k * size;
                long value = EhFrame.readPointer(reader(oldField), ttypeEncoding, addressOf(oldField));
                DwarfBytes entry = new DwarfBytes();
                EhFrame.writePointer(entry, ttypeEncoding, value, newBlockAddress + baseInBlock - k * size);
                System.arraycopy(entry.toByteArray(), 0, block, (int) (baseInBlock - k * size), size);
            }
        }
        out.bytes(block);
        if (copied != block.length) {
            throw new IllegalStateException("LSDA block size changed");
        }
        return out.toByteArray();
    }

    private static boolean fits(int format, long v) {
        return switch (format) {
            case 0x03 -> v >= 0 && v <= 0xFFFF_FFFFL;
            case 0x0B -> v == (int) v;
            case 0x02 -> v >= 0 && v <= 0xFFFF;
            case 0x0A -> v == (short) v;
            default -> true;
        };
    }
}
