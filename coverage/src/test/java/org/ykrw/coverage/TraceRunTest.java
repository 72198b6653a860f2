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
}
