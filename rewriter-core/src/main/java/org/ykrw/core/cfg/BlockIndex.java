package org.ykrw.core.cfg;

import com.carrotsearch.hppc.LongObjectHashMap;
import java.util.List;
import org.ykrw.core.ir.AddressRange;
import org.ykrw.core.ir.Block;

/**
 * The block starting at each address, for connecting blocks: per code region a bit per byte (does a
 * block start there?) and the blocks in address order, found by counting the set bits below an
 * address (a count per 64-bit word, plus a popcount). Filled in three steps: {@link #mark} every
 * block start, {@link #seal}, then {@link #claim} the blocks in the order that decides which of two
 * blocks sharing a start is the one found. About a sixth of a hash table's size for the same blocks,
 * and its lookups, near each other in the code, stay near each other in memory.
 */
final class BlockIndex {
    private final long[] starts;
    private final long[] ends;
    /** per region: bit i of word w set when a block starts at start + 64w + i */
    private final long[][] bits;
    /** per region: the number of set bits in the words before word w (filled by seal) */
    private final int[][] ranks;
    /** per region: the blocks, in address order (filled by claim) */
    private final Block[][] blocks;
    /** blocks outside every region (none are expected: blocks are made of the image's code) */
    private final LongObjectHashMap<Block> outside = new LongObjectHashMap<>(16);

    /** @param regions the code regions blocks lie in */
    BlockIndex(List<AddressRange> regions) {
        int n = regions.size();
        starts = new long[n];
        ends = new long[n];
        bits = new long[n][];
        ranks = new int[n][];
        blocks = new Block[n][];
        for (int r = 0; r < n; r++) {
            starts[r] = regions.get(r).start();
            ends[r] = regions.get(r).end();
            bits[r] = new long[(int) ((ends[r] - starts[r] + 63) >>> 6)];
        }
    }

    /** Notes that a block starts at {@code address} (before {@link #seal}). */
    void mark(long address) {
        int r = regionOf(address);
        if (r >= 0) {
            long offset = address - starts[r];
            bits[r][(int) (offset >>> 6)] |= 1L << offset;
        }
    }

    /** Ends marking: counts the starts, making room for one block each. */
    void seal() {
        for (int r = 0; r < bits.length; r++) {
            long[] words = bits[r];
            int[] rank = new int[words.length];
            int count = 0;
            for (int w = 0; w < words.length; w++) {
                rank[w] = count;
                count += Long.bitCount(words[w]);
            }
            ranks[r] = rank;
            blocks[r] = new Block[count];
        }
    }

    /**
     * Makes {@code b} the block found at its address, unless one is already (after {@link #seal}).
     *
     * @return false when another block has the address
     */
    boolean claim(Block b) {
        long address = b.address();
        int r = regionOf(address);
        if (r < 0) {
            if (outside.get(address) != null) {
                return false;
            }
            outside.put(address, b);
            return true;
        }
        int i = indexOf(r, address - starts[r]);
        if (blocks[r][i] != null) {
            return false;
        }
        blocks[r][i] = b;
        return true;
    }

    /** @return the block claimed at {@code address}, or null */
    Block get(long address) {
        int r = regionOf(address);
        if (r < 0) {
            return outside.get(address);
        }
        long offset = address - starts[r];
        if ((bits[r][(int) (offset >>> 6)] & (1L << offset)) == 0) {
            return null;
        }
        return blocks[r][indexOf(r, offset)];
    }

    /** @return the position among region r's starts of the (marked) start at {@code offset} */
    private int indexOf(int r, long offset) {
        int w = (int) (offset >>> 6);
        return ranks[r][w] + Long.bitCount(bits[r][w] & ((1L << offset) - 1));
    }

    private int regionOf(long address) {
        for (int r = 0; r < starts.length; r++) {
            if (address >= starts[r] && address < ends[r]) {
                return r;
            }
        }
        return -1;
    }
}
