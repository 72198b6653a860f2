package org.ykrw.core.cfg;

import java.util.ArrayList;
import java.util.List;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.V8EmbeddedBlob;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.SkipReason;

/**
 * The code of an input that its language runtime finds by address, and that therefore stays exactly
 * where it is: today the embedded blob of V8's builtins in a V8 embedder such as node
 * ({@link V8EmbeddedBlob}). Lifting marks every function with a block (or its entry) in such a range
 * {@link SkipReason#FOUND_BY_ADDRESS}, so it is chosen to stay, like any skipped function: no entry
 * jump, no probe, its blocks left out of strict mode's int3 fill, its bytes untouched.
 *
 * <p>The functions lifted from the blob are V8's {@code Builtins_*} (the blob's symbols name them) and
 * whatever the lifter finds between them. A function outside that runs into the blob (a block of it
 * lies inside) stays too: moving it would move part of the blob's code.
 */
public final class AddressKeyedCode {
    /** Nothing found by address: every function may move. */
    public static final AddressKeyedCode NONE = new AddressKeyedCode(List.of());

    /** [start, end) ranges, sorted and disjoint. */
    private final List<long[]> ranges;

    private AddressKeyedCode(List<long[]> ranges) {
        this.ranges = ranges;
    }

    /**
     * @param elf any input
     * @return the ranges of its code found by address (none for most programs)
     */
    public static AddressKeyedCode of(ElfFile elf) {
        List<long[]> ranges = new ArrayList<>();
        V8EmbeddedBlob.locate(elf).ifPresent(b -> ranges.add(new long[] {b.codeStart(), b.codeEnd()}));
        return ranges.isEmpty() ? NONE : new AddressKeyedCode(List.copyOf(ranges));
    }

    /** @return the [start, end) ranges that stay, sorted */
    public List<long[]> ranges() {
        return ranges;
    }

    /** @return true when [start, end) shares a byte with code found by address */
    public boolean overlaps(long start, long end) {
        for (long[] r : ranges) {
            if (start < r[1] && end > r[0]) {
                return true;
            }
        }
        return false;
    }

    /**
     * Marks {@code f} to stay when its entry or any of its blocks lies in code found by address.
     *
     * @param f a function whose blocks are built
     */
    void pinIfInside(Function f) {
        if (ranges.isEmpty()) {
            return;
        }
        boolean inside = overlaps(f.entryAddress(), f.entryAddress() + 1);
        for (int i = 0; !inside && i < f.blocks().size(); i++) {
            Block b = f.blocks().get(i);
            inside = overlaps(b.address(), b.endAddress());
        }
        if (inside) {
            f.skip(SkipReason.FOUND_BY_ADDRESS);
        }
    }
}
