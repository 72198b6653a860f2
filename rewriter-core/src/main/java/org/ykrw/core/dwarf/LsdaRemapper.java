package org.ykrw.core.dwarf;

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

/**
 * Writes a copy of a language-specific data area (.gcc_except_table) for moved code: a new header and
 * call-site table in new addresses, followed by the old action table, type table and exception
 * specifications copied as one block (their references are relative to each other and to the type
 * table base, which keeps its place inside the block); pc-relative type entries are re-encoded.
 *
 * <p>Layout ({@link Lsda} reads the header and call sites): LPStart encoding [LPStart], TType encoding [TType offset], call-site
 * encoding, call-site table length, call sites (start and length relative to the FDE's pc_begin,
 * landing pad relative to LPStart, 0 = none; action), action table, ..., type entries growing down
 * from the TType base, exception-specification lists after it.
 */
public final class LsdaRemapper {
    private final ElfFile elf;
    private final long oldAddress;
    private final long oldRegionStart;
    private final Lsda lsda;

    // from the action and type tables
    private long blockEnd;         // file offset just past the copied block
    private long maxTypeIndex;     // highest type-table index any reached action or specification uses

    /**
     * @param elf the input
     * @param oldAddress the LSDA's address
     * @param oldRegionStart pc_begin of the FDE that uses it (the base of call-site offsets, and LPStart's default)
     * @throws MalformedElfException when the LSDA is malformed
     * @throws UnwindRewriteException when it cannot be copied
     */
    public LsdaRemapper(ElfFile elf, long oldAddress, long oldRegionStart) {
        this.elf = elf;
        this.oldAddress = oldAddress;
        this.oldRegionStart = oldRegionStart;
        this.lsda = new Lsda(elf, oldAddress, oldRegionStart, ReadFor.REWRITING);
        parse();
    }

    private void parse() {
        int ttypeEncoding = lsda.ttypeEncoding;
        long oldTtypeBase = lsda.ttypeBase;
        long callSitesEnd = lsda.callSitesEnd;
        // 1. the action records the call sites reach, to find the highest type index and the block's end
        Set<Long> actions = new HashSet<>();
        for (Lsda.CallSite cs : lsda.callSites()) {
            if (cs.action() != 0) {
                actions.add(callSitesEnd + cs.action() - 1);
            }
        }
        long actionEnd = callSitesEnd;
        long maxTypeIndex = 0;
        long specEnd = 0;   // bytes used after the TType base by exception specifications
        Deque<Long> work = new ArrayDeque<>(actions);
        while (!work.isEmpty()) {
            long at = work.pop();
            DwarfCursor a = lsda.cursor(at);
            long filter = a.sleb();
            long nextField = a.pos;
            long next = a.sleb();
            actionEnd = Math.max(actionEnd, a.pos);
            if (filter > 0) {
                maxTypeIndex = Math.max(maxTypeIndex, filter);
            } else if (filter < 0 && ttypeEncoding != PointerEncoding.OMIT) {
                DwarfCursor s = lsda.cursor(lsda.offsetOf(oldTtypeBase) + (-filter - 1));
                for (long index = s.uleb(); index != 0; index = s.uleb()) {
                    maxTypeIndex = Math.max(maxTypeIndex, index);
                }
                specEnd = Math.max(specEnd, s.pos - lsda.offsetOf(oldTtypeBase));
            }
            if (next != 0 && actions.add(nextField + next)) {
                work.push(nextField + next);
            }
        }
        blockEnd = ttypeEncoding == PointerEncoding.OMIT ? actionEnd
                : Math.max(actionEnd, lsda.offsetOf(oldTtypeBase) + specEnd);
        if (ttypeEncoding != PointerEncoding.OMIT
                && lsda.offsetOf(oldTtypeBase) - maxTypeIndex * PointerEncoding.size(ttypeEncoding) < callSitesEnd) {
            throw new MalformedElfException(String.format("LSDA at 0x%x: type table (base 0x%x, %d entries) overlaps its"
                    + " call sites (end 0x%x)", oldAddress, oldTtypeBase, maxTypeIndex, lsda.addressOf(callSitesEnd)));
        }
        this.maxTypeIndex = maxTypeIndex;
        if (maxTypeIndex > 0 && (ttypeEncoding & 0x70) == 0 && !elf.isExecutable()) {
            // absolute type entries in a position-independent file are set by load-time relocations,
            // which a copy would not get (gcc and clang write pc-relative indirect entries instead)
            throw new UnwindRewriteException(String.format("LSDA at 0x%x: absolute type-table entries need relocations",
                    oldAddress));
        }
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
    public byte[] write(long newAddress, long newRegionStart, long newRegionEnd, LongUnaryOperator siteMap,
            LongUnaryOperator padMap) {
        // 1. call sites in new addresses; empty ones (code not in this FDE's piece) are dropped
        List<long[]> sites = new ArrayList<>();
        long lowestPad = Long.MAX_VALUE;
        for (Lsda.CallSite cs : lsda.callSites()) {
            long oldStart = oldRegionStart + cs.start();
            long start = siteMap.applyAsLong(oldStart);
            long end = siteMap.applyAsLong(oldStart + cs.length());
            if (end <= start) {
                continue;
            }
            long pad = cs.landingPad() == 0 ? 0 : padMap.applyAsLong(lsda.lpStart + cs.landingPad());
            if (pad != 0) {
                lowestPad = Math.min(lowestPad, pad);
            }
            sites.add(new long[] {start - newRegionStart, end - start, pad, cs.action()});
        }
        // 2. LPStart: the FDE start unless a pad lies at or before it (offset 0 would mean "no pad")
        long lpStart = lowestPad > newRegionStart ? newRegionStart : lowestPad - 1;
        int siteEncoding = lsda.callSiteEncoding & 0x0F;
        for (long[] s : sites) {
            if (s[2] != 0) {
                s[2] -= lpStart;
            }
            if (siteEncoding != 0x01 && !PointerEncoding.fits(siteEncoding, Math.max(s[0], Math.max(s[1], s[2])))) {
                siteEncoding = 0x01;  // widen to uleb128, which holds any offset
            }
        }
        DwarfWriter table = new DwarfWriter();
        for (long[] s : sites) {
            PointerEncoding.write(table, siteEncoding, s[0], 0);
            PointerEncoding.write(table, siteEncoding, s[1], 0);
            PointerEncoding.write(table, siteEncoding, s[2], 0);
            table.uleb(s[3]);
        }
        byte[] siteBytes = table.toByteArray();
        // Action offsets count from the end of the call-site table, so a dropped site leaves them valid.
        // 3. header
        DwarfWriter out = new DwarfWriter();
        if (lpStart == newRegionStart) {
            out.u8(PointerEncoding.OMIT);
        } else {
            out.u8(0x1B);
            PointerEncoding.write(out, 0x1B, lpStart, newAddress + out.size());
        }
        int ttypeEncoding = lsda.ttypeEncoding;
        long oldTtypeBase = lsda.ttypeBase;
        out.u8(ttypeEncoding);
        long blockStart = lsda.callSitesEnd;
        long copied = blockEnd - blockStart;
        if (ttypeEncoding != PointerEncoding.OMIT) {
            long afterField = 1 + DwarfWriter.ulebSize(siteBytes.length) + siteBytes.length
                    + (lsda.offsetOf(oldTtypeBase) - blockStart);
            out.uleb(afterField);
        }
        out.u8(siteEncoding);
        out.uleb(siteBytes.length);
        out.bytes(siteBytes);
        // 4. action table, type table, exception specifications: one block; type entries re-encoded
        long newBlockAddress = newAddress + out.size();
        byte[] block = Arrays.copyOfRange(elf.data(), (int) blockStart, (int) blockEnd);
        if (ttypeEncoding != PointerEncoding.OMIT && (ttypeEncoding & 0x70) == 0x10) {
            int size = PointerEncoding.size(ttypeEncoding);
            long baseInBlock = lsda.offsetOf(oldTtypeBase) - blockStart;
            for (long k = 1; k <= maxTypeIndex; k++) {
                long oldField = lsda.offsetOf(oldTtypeBase) - k * size;
                long value = PointerEncoding.readExact(lsda.cursor(oldField), ttypeEncoding, lsda.addressOf(oldField));
                DwarfWriter entry = new DwarfWriter();
                PointerEncoding.write(entry, ttypeEncoding, value, newBlockAddress + baseInBlock - k * size);
                System.arraycopy(entry.toByteArray(), 0, block, (int) (baseInBlock - k * size), size);
            }
        }
        out.bytes(block);
        if (copied != block.length) {
            throw new IllegalStateException("LSDA block size changed");
        }
        return out.toByteArray();
    }
}
