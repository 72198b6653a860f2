package org.ykrw.coverage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ykrw.core.diag.MalformedRunFileException;
import org.ykrw.core.diag.MapMismatchException;
import org.ykrw.core.testutil.RunFiles;

/** Trace runs built from the spec: records in order, dropped records, truncation. */
class TraceRunTest {
    @TempDir
    Path dir;

    private static List<String> records(TraceRun run, long limit) {
        List<String> out = new ArrayList<>();
        run.forEachRecord(limit, (i, fn, bb) -> out.add(i + ":" + fn + "/" + bb));
        return out;
    }

    @Test
    void recordsInOrderAndDroppedCount() throws IOException {
        int[][] recs = {{0, 0}, {1, 1}, {0, 2}, {1, 0}};
        Path p = dir.resolve("ykrw-trace.9.bin");
        Files.write(p, RunFiles.trace(4, 10, CoverageRunTest.MAP_ID, 0x1000, 9, recs));
        TraceRun run = TraceRun.open(p);
        assertEquals(4, run.recordCount());
        assertEquals(0, run.dropped());
        assertEquals(9, run.pid());
        assertEquals(0x1000, run.loadBias());
        assertEquals(List.of("0:0/0", "1:1/1", "2:0/2", "3:1/0"), records(run, -1));
        assertEquals(List.of("0:0/0", "1:1/1"), records(run, 2));
        run.checkMatches(CoverageRunTest.smallMap(List.of()), "m");

        Path full = dir.resolve("ykrw-trace.10.bin");
        Files.write(full, RunFiles.trace(1_000_003, 3, 5, 0, 10, recs));
        TraceRun overflow = TraceRun.open(full);
        assertEquals(3, overflow.recordCount());
        assertEquals(1_000_000, overflow.dropped());
        assertEquals(3, records(overflow, -1).size());
        assertThrows(MapMismatchException.class, () -> overflow.checkMatches(CoverageRunTest.smallMap(List.of()), "m"));
    }

    @Test
    void largeTraceStreamsAcrossBuffers() throws IOException {
        int n = 20_000;  // more than one 64 KiB read
        int[][] recs = new int[n][];
        for (int i = 0; i < n; i++) {
            recs[i] = new int[] {i % 7, i};
        }
        Path p = dir.resolve("big.bin");
        Files.write(p, RunFiles.trace(n, n, 1, 0, 1, recs));
        long[] sum = {0, 0};
        TraceRun.open(p).forEachRecord(-1, (i, fn, bb) -> {
            assertEquals(i, bb);
            assertEquals(i % 7, fn);
            sum[0]++;
        });
        assertEquals(n, sum[0]);
    }

    @Test
    void truncatedOrForeignFilesAreOneLine() throws IOException {
        byte[] data = RunFiles.trace(3, 3, 1, 0, 1, new int[][] {{0, 0}, {0, 1}, {0, 2}});
        for (int len = 0; len < data.length; len++) {
            Path p = dir.resolve("cut.bin");
            Files.write(p, Arrays.copyOf(data, len));
            MalformedRunFileException e = assertThrows(MalformedRunFileException.class, () -> TraceRun.open(p),
                    "length " + len);
            assertEquals(1, e.getMessage().lines().count());
        }
        byte[] coverageFile = RunFiles.coverage(1, new long[4], 0, 1, 1, "", new long[0][]);
        Path p = dir.resolve("a.ykcov");
        Files.write(p, coverageFile);
        MalformedRunFileException e = assertThrows(MalformedRunFileException.class, () -> TraceRun.open(p));
        assertTrue(e.getMessage().contains("not a ykrw trace run"), e.getMessage());
        byte[] recordSize = data.clone();
        recordSize[12] = 16;
        Files.write(p, recordSize);
        e = assertThrows(MalformedRunFileException.class, () -> TraceRun.open(p));
        assertTrue(e.getMessage().contains("record size 16"), e.getMessage());
    }

    /**
     * A version 2 run built by hand from docs/FORMATS.md section 3: three probes (0 branches to 1 or
     * 2, 1 calls 2 and returns to 0, 2 returns); thread 0 has a chunk and a window, thread 1 a window.
     */
    @Test
    void encodedChunksAndWindowsDecodeThreadByThread() throws IOException {
        java.nio.ByteBuffer t = java.nio.ByteBuffer.allocate(32 + 3 * 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        t.put("YKRWSUC1".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(3).putInt(64).putLong(-16).putLong(0);
        t.putInt(1).putInt(2).putInt(-1).putInt(0);     // 0: a conditional branch to 1 or 2
        t.putInt(2).putInt(0).putInt(0).putInt(1);      // 1: calls 2, returns to 0
        t.putInt(-1).putInt(-1).putInt(-1).putInt(2);   // 2: returns
        TraceTable table = TraceTable.parse(t.rewind(), "table");
        // 0 (no previous: 11 + 00), 1 (0), 2 (0, pushes 0), 0 (0: the return stack), 2 (10), 1 (11 + 10: the stack is empty)
        int bits = 0b0_111_01_0_0_0_0011;
        int window0 = 8192;  // the chunk, then zeros up to the next page: the window's
        int window1 = window0 + 4096 + 4096;
        java.nio.ByteBuffer f = java.nio.ByteBuffer.allocate(window1 + 4096 + 64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        f.put("YKRWTRC2".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(4096).putInt(64);
        f.putLong(f.capacity()).putLong(6).putLong(CoverageRunTest.MAP_ID).putLong(0).putInt(42).putInt(2).putLong(0);
        f.position(4096);
        f.putInt(0x43544b59).putInt(0).putInt(0).putInt(6).putInt(4).putInt(0).putLong(0).putInt(bits);
        f.position(window0);
        f.putInt(0x53544b59).putInt(0).putInt(1).putInt(64).putInt(42);
        f.putInt(window0 + 4096 + 64 - 8, 1 + 1).putInt(window0 + 4096 + 64 - 12, 0 + 1);
        f.position(window1);
        f.putInt(0x53544b59).putInt(1).putInt(0).putInt(64).putInt(42);
        f.putInt(window1 + 4096 + 64 - 8, 2 + 1);
        Path p = dir.resolve("ykrw-trace.42.bin");
        Files.write(p, f.array());
        TraceRun run = TraceRun.open(p);
        assertTrue(run.isEncoded());
        assertEquals(2, run.threads());
        assertEquals(9, run.recordCount());
        assertEquals(0, run.dropped());
        List<String> seen = new ArrayList<>();
        run.forEachProbe(table, -1, -1, (thread, i, probe) -> seen.add(thread + ":" + i + ":" + probe));
        assertEquals(List.of("0:0:0", "0:1:1", "0:2:2", "0:3:0", "0:4:2", "0:5:1", "0:6:1", "0:7:0", "1:0:2"), seen);
        seen.clear();
        run.forEachProbe(table, 1, -1, (thread, i, probe) -> seen.add(thread + ":" + i + ":" + probe));
        assertEquals(List.of("1:0:2"), seen);
        seen.clear();
        run.forEachProbe(table, 0, 3, (thread, i, probe) -> seen.add(thread + ":" + i + ":" + probe));
        assertEquals(List.of("0:0:0", "0:1:1", "0:2:2"), seen);

        // a chunk that claims more records than its bits hold: 27 of its zero bits decode, then it ends
        byte[] longer = Files.readAllBytes(p);
        java.nio.ByteBuffer.wrap(longer).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(4096 + 12, 32);
        Files.write(p, longer);
        MalformedRunFileException e = assertThrows(MalformedRunFileException.class,
                () -> TraceRun.open(p).forEachProbe(table, -1, -1, (thread, i, probe) -> { }));
        assertTrue(e.getMessage().contains("chunk ends after 25 of its 32 records"), e.getMessage());
    }
}
