package org.ykrw.coverage;

import java.util.function.IntConsumer;
import org.ykrw.core.diag.MalformedRunFileException;

/**
 * Decodes one chunk of a trace run (docs/FORMATS.md section 3) into the probe numbers it stands for:
 * the runtime's trace_encode read backwards. Each code says whether the record is the first (0) or
 * second (10) successor the table predicts after the record before, or (11) names it; after a block
 * that returns, the prediction is the top of the return stack that calls push.
 */
final class TraceDecoder {
    private static final int STACK = 64;

    private TraceDecoder() {
    }

    /**
     * @param table the successor table of the build that ran
     * @param words the chunk's bits, low bit first, in 32-bit words
     * @param records how many records the chunk holds
     * @param where name used in messages
     * @param out receives each probe number, in order
     */
    static void decode(TraceTable table, int[] words, long records, String where, IntConsumer out) {
        int width = table.width();
        int count = table.count();
        int[] stack = new int[STACK];
        int prev = TraceTable.NONE;
        int depth = 0;
        int sp = 0;
        long bit = 0;
        long limit = 32L * words.length;
        for (long i = 0; i < records; i++) {
            int a = TraceTable.NONE;
            int c = TraceTable.NONE;
            int flags = 0;
            int ret = TraceTable.NONE;
            if (prev >= 0 && prev < count) {
                flags = table.flags(prev);
                ret = table.ret(prev);
                boolean returns = (flags & TraceTable.RET) != 0;
                a = returns ? (depth > 0 ? stack[sp] : TraceTable.NONE) : table.next0(prev);
                c = returns ? TraceTable.NONE : table.next1(prev);
            }
            if (bit + 1 > limit) {
                throw new MalformedRunFileException(where, "chunk ends after " + i + " of its " + records + " records");
            }
            int r;
            if (read(words, bit++, 1) == 0) {
                r = a;
            } else if (bit + 1 <= limit && read(words, bit++, 1) == 0) {
                r = c;
            } else {
                if (bit + width > limit) {
                    throw new MalformedRunFileException(where, "chunk ends after " + i + " of its " + records + " records");
                }
                r = (int) read(words, bit, width);
                bit += width;
            }
            if (r < 0 || r >= count) {
                throw new MalformedRunFileException(where, "record " + i + " of a chunk is probe " + Integer.toUnsignedString(r)
                        + ", which the table (" + count + " probes) does not have");
            }
            out.accept(r);
            if ((flags & TraceTable.CALL) != 0 && ret != TraceTable.NONE && r != ret) {
                sp = (sp + 1) & (STACK - 1);
                stack[sp] = ret;
                depth = Math.min(depth + 1, STACK);
            } else if ((flags & TraceTable.RET) != 0 && depth > 0) {
                int k = 0;
                while (k < depth && stack[(sp - k) & (STACK - 1)] != r) {
                    k++;
                }
                if (k < depth) {
                    sp = (sp - k - 1) & (STACK - 1);
                    depth -= k + 1;
                }
            }
            prev = r;
        }
    }

    /** @return n bits (n at most 32) starting at bit {@code at}, low bit first */
    private static long read(int[] words, long at, int n) {
        int w = (int) (at >>> 5);
        int shift = (int) (at & 31);
        long v = (words[w] & 0xFFFF_FFFFL) >>> shift;
        if (shift + n > 32 && w + 1 < words.length) {
            v |= (words[w + 1] & 0xFFFF_FFFFL) << (32 - shift);
        }
        return v & ((1L << n) - 1);
    }
}
