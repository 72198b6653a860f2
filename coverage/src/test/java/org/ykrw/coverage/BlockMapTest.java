package org.ykrw.coverage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.ykrw.core.blockmap.BlockMapWriter;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;
import org.ykrw.core.blockmap.BlockMap.MappedFunction;
import org.ykrw.core.diag.MalformedRunFileException;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.testutil.Tools;

/** The block map from a real lifted binary, through JSON and through an ELF's .ykrw.map section. */
class BlockMapTest {
    @TempDir
    static Path dir;

    static Fixture fixture;

    @BeforeAll
    static void build() {
        fixture = Fixture.build(dir, "gcc", "-O2", "-g");
    }

    @Test
    void mapFollowsTheLiftedProgram() {
        BlockMap map = fixture.map();
        assertEquals(fixture.program().functions().size(), map.functions().size());
        int probes = 0;
        for (Function f : fixture.program().functions()) {
            MappedFunction mf = map.functions().get(f.index());
            assertEquals(f.name(), mf.name());
            assertEquals(f.entryAddress(), mf.address());
            assertEquals(f.endAddress(), mf.end());
            assertEquals(f.blocks().size(), mf.blocks().size());
            for (Block b : f.blocks()) {
                MappedBlock mb = mf.blocks().get(b.index());
                assertEquals(b.address(), mb.address());
                assertEquals(b.size(), mb.size());
                assertSame(mb, map.blockContaining(b.address() + b.size() - 1));
                if (mb.hasProbe()) {
                    assertSame(mb, map.blockOfProbe(mb.probe()));
                    probes++;
                }
            }
        }
        assertEquals(probes, map.probedBlocks());
        assertEquals(probes, map.probeSlots());
        assertTrue(probes > 10, "the fixture has blocks: " + probes);
    }

    @Test
    void jsonRoundTrip() {
        BlockMap withHooks = new BlockMap(fixture.map().input(), fixture.map().mapId(), "counts",
                fixture.map().functions(), List.of("sum_to", "main"));
        String json = BlockMapWriter.toJson(withHooks);
        BlockMap back = BlockMapReader.fromJson(json, "test.json");
        assertEquals(withHooks.input(), back.input());
        assertEquals(withHooks.mapId(), back.mapId());
        assertEquals("counts", back.pass());
        assertEquals(withHooks.functions(), back.functions());
        assertEquals(List.of("sum_to", "main"), back.hooks());
        assertEquals(json, BlockMapWriter.toJson(back), "writing what was read gives the same text");
    }

    /**
     * A function whose probes were pruned: block 0 implied by 1 and 2 (pruned itself, by 3), block 4 by
     * 1 and 3. Its JSON reads back the same; counts add up along the chain, run/not-run data ORs.
     */
    @Test
    void prunedBlocksRoundTripAndAreFilledIn() {
        MappedFunction f = new MappedFunction(0, "f", 16, 64, List.of(
                new MappedBlock(0, 0, 16, 4, BlockMap.NO_PROBE, List.of(1, 2)),
                new MappedBlock(0, 1, 20, 4, 0),
                new MappedBlock(0, 2, 24, 4, BlockMap.NO_PROBE, List.of(3)),
                new MappedBlock(0, 3, 28, 4, 1),
                new MappedBlock(0, 4, 32, 4, BlockMap.NO_PROBE, List.of(1, 3)),
                new MappedBlock(0, 5, 36, 4, 2)));
        BlockMap map = new BlockMap("p", 7, "counts", List.of(f), List.of());
        String json = BlockMapWriter.toJson(map);
        assertTrue(json.contains("[16, 4, -1, [1, 2]]"), json);
        BlockMap back = BlockMapReader.fromJson(json, "pruned.json");
        assertEquals(map.functions(), back.functions());
        assertEquals(3, back.probedBlocks());
        assertEquals(6, back.measuredBlocks());
        CoverageData counts = CoverageData.of(back, new long[] {5, 7, 0}, true);
        List<MappedBlock> b = back.functions().get(0).blocks();
        assertEquals(List.of(12L, 5L, 7L, 7L, 12L, 0L), b.stream().map(counts::count).toList());
        assertEquals(5, counts.coveredBlocks());
        CoverageData ran = CoverageData.of(back, new long[] {0, 1, 0}, false);
        assertEquals(List.of(1L, 0L, 1L, 1L, 1L, 0L), b.stream().map(ran::count).toList());
        // a version 1 map (no pruned blocks) still reads
        BlockMap v1 = BlockMapReader.fromJson(BlockMapWriter.toJson(fixture.map()).replace("\"version\": 2",
                "\"version\": 1"), "v1.json");
        assertEquals(fixture.map().functions(), v1.functions());
    }

    @Test
    void mapIdIsTheFirstEightBytesOfSha256LittleEndian() throws IOException {
        String sha = Tools.output("sha256sum", fixture.binary().toString()).substring(0, 16);
        StringBuilder reversed = new StringBuilder();
        for (int i = 14; i >= 0; i -= 2) {
            reversed.append(sha, i, i + 2);
        }
        assertEquals(reversed.toString(), BlockMap.mapIdHex(BlockMap.mapIdOf(Files.readAllBytes(fixture.binary()))));
    }

    @Test
    void sectionBytesAreZlibJsonAndReadBackFromAnElf() throws IOException {
        byte[] section = BlockMapWriter.toSectionBytes(fixture.map());
        Path raw = dir.resolve("map.zlib");
        Files.write(raw, section);
        // The documented way to look inside: python's zlib on the section bytes.
        String viaPython = Tools.output("python3", "-c",
                "import zlib,sys; sys.stdout.write(zlib.decompress(open(sys.argv[1],'rb').read()).decode())", raw.toString());
        assertEquals(BlockMapWriter.toJson(fixture.map()), viaPython);

        Path instrumented = dir.resolve("with-map");
        Tools.output("objcopy", "--add-section", BlockMap.SECTION_NAME + "=" + raw,
                "--set-section-flags", BlockMap.SECTION_NAME + "=readonly", fixture.binary().toString(),
                instrumented.toString());
        BlockMap back = BlockMapReader.read(instrumented);
        assertEquals(fixture.map().functions(), back.functions());
        assertEquals(fixture.map().mapId(), back.mapId());
        // objcopy gives the same bytes back (-O binary would give nothing: it keeps loaded sections only)
        Path dumped = dir.resolve("dumped");
        Tools.output("objcopy", "--dump-section", BlockMap.SECTION_NAME + "=" + dumped, instrumented.toString(),
                dir.resolve("scratch").toString());
        assertArrayEquals(section, Files.readAllBytes(dumped));
    }

    @Test
    void elfWithoutMapIsOneLine() {
        var e = assertThrows(org.ykrw.core.diag.YkrwException.class, () -> BlockMapReader.fromElf(fixture.elf()));
        assertTrue(e.getMessage().contains("no .ykrw.map section"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "{", "[]", "{\"format\": \"other\"}",
        "{\"format\": \"ykrw-map\", \"version\": 2}",
        "{\"format\": \"ykrw-map\", \"version\": 1, \"input\": \"a\", \"mapId\": \"12\", \"pass\": \"coverage\", \"functions\": []}",
        "{\"format\": \"ykrw-map\", \"version\": 1, \"input\": \"a\", \"mapId\": \"0011223344556677\", \"pass\": \"coverage\"}",
        "{\"format\": \"ykrw-map\", \"version\": 1, \"input\": \"a\", \"mapId\": \"0011223344556677\", \"pass\": \"c\","
            + " \"functions\": [{\"index\": 1, \"name\": \"f\", \"address\": 1, \"end\": 2, \"blocks\": []}]}",
        "{\"format\": \"ykrw-map\", \"version\": 1, \"input\": \"a\", \"mapId\": \"0011223344556677\", \"pass\": \"c\","
            + " \"functions\": [{\"index\": 0, \"name\": \"f\", \"address\": 1, \"end\": 9, \"blocks\": [[1, 2, 0], [1, 2, 1]]}]}",
        "{\"format\": \"ykrw-map\", \"version\": 1, \"input\": \"a\", \"mapId\": \"0011223344556677\", \"pass\": \"c\","
            + " \"functions\": [{\"index\": 0, \"name\": \"f\", \"address\": 1, \"end\": 9, \"blocks\": [[1, 2, 0], [3, 2, 0]]}]}",
        "{\"format\": \"ykrw-map\", \"version\": 1, \"input\": \"a\", \"mapId\": \"0011223344556677\", \"pass\": \"c\","
            + " \"functions\": [{\"index\": 0, \"name\": \"f\", \"address\": 1, \"end\": 9, \"blocks\": [[1, 2]]}]}",
        "{\"format\": \"ykrw-map\", \"version\": 3, \"input\": \"a\", \"mapId\": \"0011223344556677\", \"pass\": \"c\","
            + " \"functions\": []}",
        // pruned blocks: implied by a probed block while having a probe, by itself, in a cycle, by nothing,
        // by a block the function does not have
        "{\"format\": \"ykrw-map\", \"version\": 2, \"input\": \"a\", \"mapId\": \"0011223344556677\", \"pass\": \"c\","
            + " \"functions\": [{\"index\": 0, \"name\": \"f\", \"address\": 1, \"end\": 9, \"blocks\": [[1, 2, 0, [1]], [3, 2, 1]]}]}",
        "{\"format\": \"ykrw-map\", \"version\": 2, \"input\": \"a\", \"mapId\": \"0011223344556677\", \"pass\": \"c\","
            + " \"functions\": [{\"index\": 0, \"name\": \"f\", \"address\": 1, \"end\": 9, \"blocks\": [[1, 2, -1, [0]], [3, 2, 0]]}]}",
        "{\"format\": \"ykrw-map\", \"version\": 2, \"input\": \"a\", \"mapId\": \"0011223344556677\", \"pass\": \"c\","
            + " \"functions\": [{\"index\": 0, \"name\": \"f\", \"address\": 1, \"end\": 9, \"blocks\": [[1, 2, -1, [1]], [3, 2, -1, [0]],"
            + " [5, 2, 0]]}]}",
        "{\"format\": \"ykrw-map\", \"version\": 2, \"input\": \"a\", \"mapId\": \"0011223344556677\", \"pass\": \"c\","
            + " \"functions\": [{\"index\": 0, \"name\": \"f\", \"address\": 1, \"end\": 9, \"blocks\": [[1, 2, -1, []], [3, 2, 0]]}]}",
        "{\"format\": \"ykrw-map\", \"version\": 2, \"input\": \"a\", \"mapId\": \"0011223344556677\", \"pass\": \"c\","
            + " \"functions\": [{\"index\": 0, \"name\": \"f\", \"address\": 1, \"end\": 9, \"blocks\": [[1, 2, -1, [2]], [3, 2, 0]]}]}",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]"
            + "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"})
    void malformedMapsAreOneLineErrors(String json) {
        MalformedRunFileException e = assertThrows(MalformedRunFileException.class,
                () -> BlockMapReader.fromJson(json, "bad.json"));
        assertTrue(e.getMessage().startsWith("bad.json: "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    /**
     * JSON that is not well formed is refused with where it goes wrong, as a character offset (and only
     * that: no second line, no parser's own notion of a source), and with bounds JSON itself has not.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "``|0", "{|1", "{\"format\": 1, \"format\": 1}|24", "{} x|3", "{}{}|2", "[01]|2",
        "[99999999999999999999]|21", "{\"a\": tru}|6", "{'a': 1}|1", "[1,]|3"})
    void syntaxErrorsNameTheirOffset(String json, long offset) {
        MalformedRunFileException e = assertThrows(MalformedRunFileException.class,
                () -> BlockMapReader.fromJson(json, "bad.json"));
        assertTrue(e.getMessage().startsWith("bad.json: JSON error at offset " + offset + ": "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertFalse(e.getMessage().contains("Source"), e.getMessage());
    }

    @Test
    void truncatedSectionIsOneLine() throws IOException {
        byte[] section = BlockMapWriter.toSectionBytes(fixture.map());
        Path raw = dir.resolve("cut.zlib");
        Files.write(raw, java.util.Arrays.copyOf(section, section.length / 2));
        Path instrumented = dir.resolve("with-cut-map");
        Tools.output("objcopy", "--add-section", BlockMap.SECTION_NAME + "=" + raw, fixture.binary().toString(),
                instrumented.toString());
        MalformedRunFileException e = assertThrows(MalformedRunFileException.class,
                () -> BlockMapReader.read(instrumented));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertNull(fixture.map().blockOfProbe(-1));
    }
}
