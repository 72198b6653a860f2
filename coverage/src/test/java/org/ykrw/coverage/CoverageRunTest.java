package org.ykrw.coverage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;
import org.ykrw.core.blockmap.BlockMap.MappedFunction;
import org.ykrw.core.diag.MalformedRunFileException;
import org.ykrw.core.diag.MapMismatchException;
import org.ykrw.core.testutil.RunFiles;

/** .ykcov files built from the spec by {@link RunFiles}: fields, every truncation, map checks, merging. */
class CoverageRunTest {
    static final long MAP_ID = 0x0123_4567_89ab_cdefL;

    @TempDir
    Path dir;

    /** Two functions, five blocks, probes 0..3 (one block without a probe). */
    static BlockMap smallMap(List<String> hooks) {
        MappedFunction f = new MappedFunction(0, "f", 0x1000, 0x1030, List.of(
                new MappedBlock(0, 0, 0x1000, 0x10, 0), new MappedBlock(0, 1, 0x1010, 0x10, 1),
                new MappedBlock(0, 2, 0x1020, 0x10, BlockMap.NO_PROBE)));
        MappedFunction g = new MappedFunction(1, "g", 0x1030, 0x1050, List.of(
                new MappedBlock(1, 0, 0x1030, 0x10, 2), new MappedBlock(1, 1, 0x1040, 0x10, 3)));
        return new BlockMap("small", MAP_ID, "counts", List.of(f, g), hooks);
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void readsEveryField() throws IOException {
        byte[] data = RunFiles.coverage(8, new long[] {5, 0, -1, 7}, 0x5555_5555_4000L, MAP_ID, 4242, "/opt/small",
                new long[][] {{3, 0, 2}});
        CoverageRun run = CoverageRun.read(write("a.4242.ykcov", data));
        assertEquals(8, run.counterWidth());
        assertTrue(run.hasCounts());
        assertArrayEquals(new long[] {5, 0, -1, 7}, run.counters());
        assertEquals(0x5555_5555_4000L, run.loadBias());
        assertEquals(MAP_ID, run.mapId());
        assertEquals(4242, run.pid());
        assertEquals("/opt/small", run.executable());
        assertEquals(List.of(new CoverageRun.HookRecord(3, 0, 2)), run.hooks());
        run.checkMatches(smallMap(List.of("g")), "map");

        CoverageRun bytes = CoverageRun.read(write("b.ykcov", RunFiles.coverage(1, new long[] {1, 0, 200, 0, 0}, 0,
                MAP_ID, 1, "", new long[0][])));
        assertEquals(1, bytes.counterWidth());
        assertArrayEquals(new long[] {1, 0, 200, 0, 0}, bytes.counters());
        assertEquals("", bytes.executable());
    }

    @Test
    void everyTruncationIsOneLineError() throws IOException {
        byte[] data = RunFiles.coverage(1, new long[] {1, 0, 1, 1, 0}, 0, MAP_ID, 7, "/bin/x", new long[][] {{1, 0, 1}});
        for (int len = 0; len < data.length; len++) {
            Path p = write("cut.ykcov", Arrays.copyOf(data, len));
            MalformedRunFileException e = assertThrows(MalformedRunFileException.class, () -> CoverageRun.read(p),
                    "length " + len);
            assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
            assertEquals(1, e.getMessage().lines().count());
        }
    }

    @Test
    void badHeaderFieldsAreNamed() throws IOException {
        byte[] good = RunFiles.coverage(8, new long[] {1, 2, 3, 4}, 0, MAP_ID, 7, "/bin/x", new long[0][]);
        byte[] magic = good.clone();
        magic[7] = '2';
        assertMessage(magic, "magic");
        byte[] width = good.clone();
        width[12] = 4;
        assertMessage(width, "counter width 4");
        byte[] header = good.clone();
        header[8] = 10;
        header[9] = 0;
        assertMessage(header, "header size 10");
        byte[] huge = good.clone();
        huge[23] = 0x10;
        assertMessage(huge, "counters");
        byte[] path = good.clone();
        Arrays.fill(path, 64, 512, (byte) 'a');
        assertMessage(path, "NUL-terminated");
    }

    private void assertMessage(byte[] data, String part) throws IOException {
        Path p = write("bad.ykcov", data);
        MalformedRunFileException e = assertThrows(MalformedRunFileException.class, () -> CoverageRun.read(p));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    @Test
    void runOfAnotherBuildIsRefused() throws IOException {
        BlockMap map = smallMap(List.of());
        CoverageRun other = CoverageRun.read(write("o.ykcov", RunFiles.coverage(1, new long[4], 0, MAP_ID + 1, 1, "",
                new long[0][])));
        MapMismatchException e = assertThrows(MapMismatchException.class, () -> other.checkMatches(map, "m.json"));
        assertTrue(e.getMessage().contains("0123456789abcdf0 in the run, 0123456789abcdef in the map"), e.getMessage());
        CoverageRun shortRun = CoverageRun.read(write("s.ykcov", RunFiles.coverage(1, new long[3], 0, MAP_ID, 1, "",
                new long[0][])));
        e = assertThrows(MapMismatchException.class, () -> shortRun.checkMatches(map, "m.json"));
        assertTrue(e.getMessage().contains("3 counters"), e.getMessage());
    }

    @Test
    void mergeAddsCountsAndOrsCoverage() throws IOException {
        BlockMap map = smallMap(List.of("f"));
        CoverageRun a = CoverageRun.read(write("a.ykcov", RunFiles.coverage(8, new long[] {1, 0, 5, 0}, 0, MAP_ID, 1, "",
                new long[][] {{1, 0, 1}})));
        CoverageRun b = CoverageRun.read(write("b.ykcov", RunFiles.coverage(8, new long[] {2, 0, 0, 9}, 0, MAP_ID, 2, "",
                new long[][] {{4, 1, 3}})));
        CoverageData sum = CoverageData.merge(map, "m", List.of(a, b));
        List<MappedBlock> blocks = map.blocks();
        assertEquals(List.of(3L, 0L, 0L, 5L, 9L), blocks.stream().map(sum::count).toList());
        assertEquals(3, sum.coveredBlocks());
        assertEquals(List.of(new CoverageRun.HookRecord(5, 1, 3)), sum.hooks());
        assertEquals(List.of(blocks.get(4), blocks.get(3), blocks.get(0)), sum.hottest(10));

        CoverageRun c = CoverageRun.read(write("c.ykcov", RunFiles.coverage(1, new long[] {1, 0, 0, 0}, 0, MAP_ID, 3, "",
                new long[0][])));
        CoverageRun d = CoverageRun.read(write("d.ykcov", RunFiles.coverage(1, new long[] {1, 1, 0, 0}, 0, MAP_ID, 4, "",
                new long[0][])));
        CoverageData or = CoverageData.merge(map, "m", List.of(c, d));
        assertEquals(List.of(1L, 1L, 0L, 0L, 0L), blocks.stream().map(or::count).toList());
        assertEquals(100.0, or.of(map.functions().get(0)).percent());
        assertEquals(0.0, or.of(map.functions().get(1)).percent());

        assertThrows(MapMismatchException.class, () -> CoverageData.merge(map, "m", List.of(a, c)));
    }
}
