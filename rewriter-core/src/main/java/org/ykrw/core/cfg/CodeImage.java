package org.ykrw.core.cfg;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Section;
import org.ykrw.core.elf.Segment;
import org.ykrw.core.ir.AddressRange;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.decode.CapstoneDecoder;

/**
 * The executable bytes of the input and the instructions decoded from them, indexed by address.
 *
 * <p>Invariant: the instruction at an address depends only on the bytes from there to the end of its
 * region, never on where decoding started. So every region is decoded once up front by a linear
 * sweep (split across two threads, each with its own capstone handle), and an address the sweep did
 * not land on (code reached only by jumping into the middle of what the sweep took for one
 * instruction, or after data in the code) is decoded on demand; both give the same answer a decode
 * starting at that address gives. Decoding each byte about once matters: recursive descent asks for
 * ~700k instructions on large programs, and decoding windows per request decoded them four times over.
 */
final class CodeImage {
    /** Bytes decoded on demand past an address the sweep missed; x86 resynchronises within a few instructions. */
    private static final int ON_DEMAND_WINDOW = 16;
    /** Bytes of instruction starts a sweep decodes per call, so that its list of results stays small. */
    private static final int SWEEP_STEP = 64 * 1024;
    /** Below this many executable bytes a second thread costs more than it saves. */
    private static final long PARALLEL_THRESHOLD = 256 * 1024;
    /** Marks an address whose bytes do not decode, so asking again costs no native call. */
    private static final Insn UNDECODABLE = new Insn(0, new byte[] {0}, 0, "(bad)", "", FlowKind.INVALID,
            Insn.NO_TARGET, List.of(), 0, 0, false, 0, 0, 0, 0);

    private final ElfFile elf;
    private final CapstoneDecoder decoder;
    private final List<long[]> regions = new ArrayList<>();  // {start, end, file offset}
    /**
     * The regions in the order {@link #regionIndex} tries them, largest first (.text, where nearly every
     * address asked about lies: asked once or more per instruction lifted), with their bounds unboxed.
     */
    private final int[] searchOrder;
    private final long[] searchStart;
    private final long[] searchEnd;
    /** per region: the instruction decoded at each byte offset, UNDECODABLE, or null (not decoded yet) */
    private Insn[][] insns;
    private long decodeCalls;
    long decodeNanos;
    long decodedInsns;

    /**
     * @param elf the input
     * @param decoder the calling thread's capstone handle
     * @param second the thread that sweeps the second half of a large program's code
     */
    CodeImage(ElfFile elf, CapstoneDecoder decoder, SecondThread second) {
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
        searchOrder = new int[regions.size()];
        searchStart = new long[regions.size()];
        searchEnd = new long[regions.size()];
        Integer[] bySize = new Integer[regions.size()];
        for (int r = 0; r < bySize.length; r++) {
            bySize[r] = r;
        }
        java.util.Arrays.sort(bySize, (a, b) -> Long.compare(size(b), size(a)));
        for (int k = 0; k < bySize.length; k++) {
            searchOrder[k] = bySize[k];
            searchStart[k] = regions.get(bySize[k])[0];
            searchEnd[k] = regions.get(bySize[k])[1];
        }
        insns = new Insn[regions.size()][];
        for (int r = 0; r < regions.size(); r++) {
            insns[r] = new Insn[(int) (regions.get(r)[1] - regions.get(r)[0])];
        }
        sweepAll(second);
    }

    /**
     * Decodes every region linearly, the bytes split into two halves swept concurrently. A half may
     * start inside an instruction; the few instructions decoded there before it falls into step are
     * still exactly what a decode at those addresses gives, so the split needs no care beyond
     * writing disjoint slots (each half writes only the offsets it starts instructions at).
     */
    private void sweepAll(SecondThread second) {
        long t0 = System.nanoTime();
        long total = totalBytes();
        List<long[]> firstHalf = new ArrayList<>();   // {region index, from offset, to offset}
        List<long[]> secondHalf = new ArrayList<>();
        long half = total / 2;
        long seen = 0;
        for (int r = 0; r < regions.size(); r++) {
            // Only bytes inside the file (a section can claim more than its segment maps): the rest,
            // if ever asked for, is decoded on demand exactly as before.
            long size = Math.max(0, Math.min(regions.get(r)[1] - regions.get(r)[0], elf.data().length - regions.get(r)[2]));
            if (total < PARALLEL_THRESHOLD || seen + size <= half) {
                firstHalf.add(new long[] {r, 0, size});
            } else if (seen >= half) {
                secondHalf.add(new long[] {r, 0, size});
            } else {
                firstHalf.add(new long[] {r, 0, half - seen});
                secondHalf.add(new long[] {r, half - seen, size});
            }
            seen += size;
        }
        if (secondHalf.isEmpty()) {
            decodedInsns += sweep(decoder, firstHalf);
        } else {
            try (CapstoneDecoder otherDecoder = new CapstoneDecoder()) {
                long[] otherCount = new long[1];
                Future<?> other = second.start(() -> otherCount[0] = sweep(otherDecoder, secondHalf));
                try {
                    decodedInsns += sweep(decoder, firstHalf);
                } finally {
                    SecondThread.await(other);  // also on a failure here: the other half still uses its handle
                }
                decodedInsns += otherCount[0];
            }
        }
        decodeNanos += System.nanoTime() - t0;
    }

    /** @return instructions decoded over the given {region, from, to} pieces */
    private long sweep(CapstoneDecoder dec, List<long[]> pieces) {
        long count = 0;
        byte[] data = elf.data();
        // Reused for every step: one list grown to a whole piece's instructions cost ~4 MB on python3.11.
        List<Insn> run = new ArrayList<>();
        for (long[] piece : pieces) {
            int r = (int) piece[0];
            long[] region = regions.get(r);
            Insn[] slots = insns[r];
            int size = (int) Math.min(slots.length, data.length - region[2]);
            int pos = (int) piece[1];
            int to = (int) piece[2];
            while (pos < to) {
                // Decode up to the step's end; the last instruction may run on past it (its bytes are
                // still inside the region), which is what a decode at its address gives.
                int stepEnd = (int) Math.min(to, (long) pos + SWEEP_STEP);
                run.clear();
                dec.decode(data, (int) (region[2] + pos), size - pos, region[0] + pos, 0, stepEnd - pos, run);
                for (int k = 0; k < run.size(); k++) {
                    Insn i = run.get(k);
                    slots[(int) (i.address() - region[0])] = i;
                    pos += i.length();
                }
                count += run.size();
                if (pos < stepEnd) {
                    // The sweep stopped early: the bytes at pos do not decode. Go on at the next byte.
                    if (slots[pos] == null) {
                        slots[pos] = UNDECODABLE;
                    }
                    pos++;
                }
            }
        }
        return count;
    }

    /** @return true when {@code address} holds file-backed executable bytes */
    boolean isCode(long address) {
        return regionIndex(address) >= 0;
    }

    /** @return true when both addresses lie in the same executable region */
    boolean sameRegion(long a, long b) {
        int r = regionIndex(a);
        return r >= 0 && b >= regions.get(r)[0] && b < regions.get(r)[1];
    }

    /**
     * @return the instruction at {@code address}, or null when the bytes there do not decode
     *
     * <p>Safe from several threads (the main thread lifting and one lifting ahead): a slot is written
     * once, from null to its final instruction, and only under the lock in {@link #decodeAt}. Reading
     * it here without the lock sees either null, and then decodeAt looks again under the lock, or
     * that instruction, whose fields are final (and so seen complete by any thread that sees the
     * reference). Each address gets one Insn object whichever thread decodes it first, and its value
     * is what a decode at that address gives (see the class comment), so the answer does not depend
     * on which thread asked first.
     */
    Insn insnAt(long address) {
        int r = regionIndex(address);
        if (r < 0) {
            return null;
        }
        long[] region = regions.get(r);
        Insn[] slots = insns[r];
        int offset = (int) (address - region[0]);
        Insn found = slots[offset];
        if (found == null) {
            found = decodeAt(region, slots, offset);
        }
        return found == UNDECODABLE ? null : found;
    }

    /**
     * Decodes from an address the sweep did not land on, until the decode falls into step with it.
     * Synchronized: the capstone handle serves one call at a time, and slots are written once.
     */
    private synchronized Insn decodeAt(long[] region, Insn[] slots, int offset) {
        if (slots[offset] != null) {
            return slots[offset];  // another thread decoded it since this one looked
        }
        decodeCalls++;
        long t0 = System.nanoTime();
        int available = (int) Math.min(slots.length - offset, elf.data().length - (region[2] + offset));
        if (available <= 0) {
            slots[offset] = UNDECODABLE;  // past the end of the file: no bytes to decode
            return UNDECODABLE;
        }
        List<Insn> run = decoder.decode(elf.data(), (int) (region[2] + offset), available, region[0] + offset, 0,
                Math.min(ON_DEMAND_WINDOW, available));
        decodeNanos += System.nanoTime() - t0;
        decodedInsns += run.size();
        for (Insn i : run) {
            int at = (int) (i.address() - region[0]);
            if (slots[at] != null) {
                break;  // in step with code decoded before: the rest is known
            }
            slots[at] = i;
        }
        if (slots[offset] == null) {
            slots[offset] = UNDECODABLE;
        }
        return slots[offset];
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

    /** @return native decode calls made on demand after the sweep */
    synchronized long decodeCalls() {
        return decodeCalls;
    }

    /** @return index of the region holding {@code address}, or -1 (for {@link #slots}) */
    int regionOf(long address) {
        return regionIndex(address);
    }

    /**
     * @return region {@code r}'s instructions by offset from its start, as decoded so far (with the
     *     marker for undecodable bytes; shared: do not modify)
     */
    Insn[] slots(int r) {
        return insns[r];
    }

    /** @return the address region {@code r} starts at */
    long regionStart(int r) {
        return regions.get(r)[0];
    }

    /** @return index of the region holding {@code address}, or -1 */
    private int regionIndex(long address) {
        for (int k = 0; k < searchOrder.length; k++) {
            if (address >= searchStart[k] && address < searchEnd[k]) {
                return searchOrder[k];
            }
        }
        return -1;
    }

    private long size(int region) {
        return regions.get(region)[1] - regions.get(region)[0];
    }
}
