package org.ykrw.core.testutil;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds {@code .ykcov} and trace run files byte by byte from docs/FORMATS.md, independently of the
 * readers under test, so reports can be tested before (and without) the embedded runtime.
 */
public final class RunFiles {
    private RunFiles() {
    }

    /**
     * @param width counter width, 1 or 8
     * @param counters values by probe
     * @param loadBias load bias
     * @param mapId map id
     * @param pid process id
     * @param executable path recorded in the header
     * @param hooks hook records {calls, depth, max depth}
     * @return the file's bytes
     */
    public static byte[] coverage(int width, long[] counters, long loadBias, long mapId, int pid, String executable,
            long[][] hooks) {
        int header = 512;
        int countersEnd = header + counters.length * width;
        int hooksAt = (countersEnd + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(hooksAt + hooks.length * 24).order(ByteOrder.LITTLE_ENDIAN);
        b.put("YKRWCOV1".getBytes(StandardCharsets.US_ASCII));
        b.putInt(8, header).putInt(12, width).putLong(16, counters.length).putLong(24, loadBias).putLong(32, mapId)
                .putInt(40, pid).putInt(44, hooks.length);
        byte[] path = executable.getBytes(StandardCharsets.UTF_8);
        b.put(64, path);
        for (int i = 0; i < counters.length; i++) {
            if (width == 1) {
                b.put(header + i, (byte) counters[i]);
            } else {
                b.putLong(header + 8 * i, counters[i]);
            }
        }
        for (int i = 0; i < hooks.length; i++) {
            b.putLong(hooksAt + 24 * i, hooks[i][0]).putLong(hooksAt + 24 * i + 8, hooks[i][1])
                    .putLong(hooksAt + 24 * i + 16, hooks[i][2]);
        }
        return b.array();
    }

    /**
     * @param reserved records reserved (may exceed capacity)
     * @param capacity records the file holds
     * @param mapId map id
     * @param loadBias load bias
     * @param pid process id
     * @param records {function, block} pairs, the first min(reserved, capacity) are written
     * @return the file's bytes (header plus the whole capacity, as the runtime maps it)
     */
    public static byte[] trace(long reserved, long capacity, long mapId, long loadBias, int pid, int[][] records) {
        ByteBuffer b = ByteBuffer.allocate((int) (64 + capacity * 8)).order(ByteOrder.LITTLE_ENDIAN);
        b.put("YKRWTRC1".getBytes(StandardCharsets.US_ASCII));
        b.putInt(8, 64).putInt(12, 8).putLong(16, reserved).putLong(24, capacity).putLong(32, mapId)
                .putLong(40, loadBias).putInt(48, pid);
        for (int i = 0; i < records.length && i < capacity; i++) {
            b.putInt(64 + 8 * i, records[i][0]).putInt(64 + 8 * i + 4, records[i][1]);
        }
        return b.array();
    }
}
