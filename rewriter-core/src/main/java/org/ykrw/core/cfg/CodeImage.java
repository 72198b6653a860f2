package org.ykrw.core.cfg;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Section;
import org.ykrw.core.elf.Segment;
import org.ykrw.core.ir.AddressRange;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.decode.CapstoneDecoder;

/**
 * The executable bytes of the input and a cache of instructions decoded from them. Decoding happens
 * in windows (one capstone call decodes up to {@link #WINDOW} bytes ahead), so recursive descent pays
 * for a native call only when it reaches code not decoded yet.
 */
final class CodeImage {
    private static final int WINDOW = 4096;

    private final ElfFile elf;
    private final CapstoneDecoder decoder;
    private final List<long[]> regions = new ArrayList<>();  // {start, end, file offset}
    private final Map<Long, Insn> cache = new HashMap<>(1 << 16);
    private long decodeCalls;
    /** start -> end of each run decoded so far */
    private final java.util.TreeMap<Long, Long> decodedRanges = new java.util.TreeMap<>();
    long decodeNanos;
    long decodedInsns;

    CodeImage(ElfFile elf, CapstoneDecoder decoder) {
        this.elf = elf;
        this.decoder = decoder;
        if (!elf.sections().isEmpty()) {
            for (Section s : elf.sections()) {
                if (s.isExecutable() && s.isAlloc() && s.type() == Section.SHT_PROGBITS && s.size() > 0
                        && elf.fileOffset(s.address()) >= 0) {
                    regions.add(new long[] {s.address(), s.address() + s.size(), elf.fileOffset(s.address())});
                }
            }
        }
        if (regions.isEmpty()) {
            for (Segment s : elf.segments()) {
                if (s.isLoad() && s.isExecutable() && s.filesz() > 0) {
                    regions.add(new long[] {s.vaddr(), s.vaddr() + s.filesz(), s.offset()});
                }
            }
        }
        regions.sort((a, b) -> Long.compare(a[0], b[0]));
    }

    /** @return true when {@code address} holds file-backed executable bytes */
    boolean isCode(long address) {
        return region(address) != null;
    }

    /** @return true when both addresses lie in the same executable region */
    boolean sameRegion(long a, long b) {
        long[] r = region(a);
        return r != null && b >= r[0] && b < r[1];
    }

    /** @return the instruction at {@code address}, or null when the bytes there do not decode */
    Insn insnAt(long address) {
        Insn cached = cache.get(address);
        if (cached != null) {
            return cached;
        }
        long[] r = region(address);
        if (r == null) {
            return null;
        }
        // Stop the window where already decoded code begins: decoding it again would only cost time.
        long limit = Math.min(address + WINDOW, r[1]);
        Long nextDecoded = decodedRanges.higherKey(address);
        if (nextDecoded != null && nextDecoded < limit) {
            // An earlier decode may have started in the middle of an instruction: never cut the window
            // shorter than one whole instruction past that point.
            limit = Math.min(Math.max(nextDecoded, address + 15), r[1]);
        }
        int len = (int) (limit - address);
        decodeCalls++;
        long t0 = System.nanoTime();
        List<Insn> run = decoder.decode(elf.data(), (int) (r[2] + address - r[0]), len, address, 0);
        decodeNanos += System.nanoTime() - t0;
        decodedInsns += run.size();
        long end = address;
        for (Insn i : run) {
            cache.putIfAbsent(i.address(), i);
            end = i.end();
        }
        if (end > address) {
            decodedRanges.put(address, end);
        }
        return cache.get(address);
    }

    /** @return the executable ranges, in address order */
    List<AddressRange> ranges() {
        List<AddressRange> out = new ArrayList<>();
        for (long[] r : regions) {
            out.add(new AddressRange(r[0], r[1]));
        }
        return out;
    }

    /** @return total executable bytes */
    long totalBytes() {
        long n = 0;
        for (long[] r : regions) {
            n += r[1] - r[0];
        }
        return n;
    }

    long decodeCalls() {
        return decodeCalls;
    }

    private long[] region(long address) {
        for (long[] r : regions) {
            if (address >= r[0] && address < r[1]) {
                return r;
            }
        }
        return null;
    }
}
