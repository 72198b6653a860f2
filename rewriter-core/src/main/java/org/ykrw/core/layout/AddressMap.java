package org.ykrw.core.layout;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.ir.Function;

/**
 * New address -> input address of every moved instruction, as section {@code .ykrw.addrmap} of strict
 * outputs (non-loaded), so {@code ykrw where OUT ADDRESS} maps an address of the running code (a
 * crash, a profile, gdb) back to the instruction of the input it came from. Contents, zlib-compressed:
 * magic {@code YKRWAM1\0}, a u32 count, then per instruction in order of new address the differences
 * from the previous pair (new, then old), each as a zigzag LEB128: about two bytes an instruction.
 */
public final class AddressMap {
    /** The section's name. */
    public static final String SECTION = ".ykrw.addrmap";
    private static final byte[] MAGIC = {'Y', 'K', 'R', 'W', 'A', 'M', '1', 0};

    private final long[] news;
    private final long[] olds;

    private AddressMap(long[] news, long[] olds) {
        this.news = news;
        this.olds = olds;
    }

    /**
     * @param map the layout's instruction map
     * @param functions the moved functions
     * @return the section's contents
     */
    public static byte[] encode(InstructionMap map, List<Function> functions) {
        int total = 0;
        for (Function f : functions) {
            total += map.count(f);
        }
        long[] pairs = new long[2 * total];
        int n = 0;
        for (Function f : functions) {
            int c = map.count(f);
            long[] o = new long[c];
            long[] w = new long[c];
            map.addressesOf(f, o, w);
            for (int k = 0; k < c; k++) {
                pairs[2 * n] = w[k];
                pairs[2 * n + 1] = o[k];
                n++;
            }
        }
        int[] order = byNewAddress(pairs, n);
        ByteArrayOutputStream raw = new ByteArrayOutputStream(8 + 4 + 3 * n);
        raw.writeBytes(MAGIC);
        for (int k = 0; k < 4; k++) {
            raw.write(n >>> (8 * k));
        }
        long prevNew = 0;
        long prevOld = 0;
        for (int i : order) {
            zigzag(raw, pairs[2 * i] - prevNew);
            zigzag(raw, pairs[2 * i + 1] - prevOld);
            prevNew = pairs[2 * i];
            prevOld = pairs[2 * i + 1];
        }
        Deflater d = new Deflater();
        d.setInput(raw.toByteArray());
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    /**
     * @return positions of the pairs in order of new address: emission order already, except where
     *         overlapping functions emit one instruction twice (its map entry is the first copy's)
     */
    private static int[] byNewAddress(long[] pairs, int n) {
        int[] order = new int[n];
        boolean sorted = true;
        for (int i = 0; i < n; i++) {
            order[i] = i;
            sorted &= i == 0 || pairs[2 * i] >= pairs[2 * i - 2];
        }
        if (sorted || n == 0) {
            return order;
        }
        if (n > 0xFFFFFF) {
            Integer[] boxed = new Integer[n];
            for (int i = 0; i < n; i++) {
                boxed[i] = i;
            }
            Arrays.sort(boxed, (a, b) -> Long.compare(pairs[2 * a], pairs[2 * b]));
            for (int i = 0; i < n; i++) {
                order[i] = boxed[i];
            }
            return order;
        }
        long min = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            min = Math.min(min, pairs[2 * i]);
        }
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = (pairs[2 * i] - min) << 24 | i;  // code under 2^39 bytes, under 2^24 instructions
        }
        Arrays.sort(keys);
        for (int i = 0; i < n; i++) {
            order[i] = (int) (keys[i] & 0xFFFFFF);
        }
        return order;
    }

    private static void zigzag(ByteArrayOutputStream out, long v) {
        long z = (v << 1) ^ (v >> 63);
        while ((z & ~0x7FL) != 0) {
            out.write((int) (z & 0x7F) | 0x80);
            z >>>= 7;
        }
        out.write((int) z);
    }

    /**
     * @param data the section's contents
     * @param where what to name in an error
     * @return the map
     */
    public static AddressMap decode(byte[] data, String where) {
        byte[] raw;
        Inflater inf = new Inflater();
        try {
            inf.setInput(data);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[64 * 1024];
            while (!inf.finished()) {
                int k = inf.inflate(buf);
                if (k == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw new YkrwException(where + ": truncated");
                }
                out.write(buf, 0, k);
            }
            raw = out.toByteArray();
        } catch (DataFormatException e) {
            throw new YkrwException(where + ": not a zlib stream");
        } finally {
            inf.end();
        }
        if (raw.length < 12 || !Arrays.equals(Arrays.copyOf(raw, 8), MAGIC)) {
            throw new YkrwException(where + ": not an address map");
        }
        long n = (raw[8] & 0xFFL) | (raw[9] & 0xFFL) << 8 | (raw[10] & 0xFFL) << 16 | (raw[11] & 0xFFL) << 24;
        if (n > (raw.length - 12) / 2) {
            throw new YkrwException(where + ": count " + n + " past the end");
        }
        long[] news = new long[(int) n];
        long[] olds = new long[(int) n];
        int[] at = {12};
        long nw = 0;
        long od = 0;
        for (int i = 0; i < n; i++) {
            nw += unzigzag(raw, at, where);
            od += unzigzag(raw, at, where);
            news[i] = nw;
            olds[i] = od;
        }
        return new AddressMap(news, olds);
    }

    private static long unzigzag(byte[] raw, int[] at, String where) {
        long z = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at[0] >= raw.length) {
                throw new YkrwException(where + ": truncated");
            }
            int b = raw[at[0]++];
            z |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return (z >>> 1) ^ -(z & 1);
            }
        }
        throw new YkrwException(where + ": bad number");
    }

    /**
     * @param address an address of the output
     * @return {old address, offset of {@code address} past the start of that instruction's new code},
     *         or null when it is before the first moved instruction
     */
    public long[] lookup(long address) {
        int i = Arrays.binarySearch(news, address);
        if (i < 0) {
            i = -i - 2;
        }
        return i < 0 ? null : new long[] {olds[i], address - news[i]};
    }

    /** @return number of instructions mapped */
    public int size() {
        return news.length;
    }
}
