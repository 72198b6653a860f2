package org.ykrw.coverage;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ykrw.core.blockmap.BlockMapWriter;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;
import org.ykrw.core.blockmap.BlockMap.MappedFunction;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.testutil.RunFiles;

/**
 * Jazzer fuzz tests of the readers of files a user may receive from elsewhere (issue 13): {@code .ykcov}
 * runs, trace runs, JSON block maps and {@code .ykrw.map} sections, and of what reports do with what
 * they read. Whatever the bytes, reading either succeeds or throws a one-line {@link YkrwException}
 * (the CLI's exit status 2); any other throwable is a finding. Replay and fuzzing work as in
 * {@code org.ykrw.core.elf.ElfFuzzTest} (inputs under {@code RunFileFuzzTestInputs/<method>/}; the
 * rewriter-core pom's {@code fuzz} profile fuzzes each target for its maxDuration).
 *
 * <p>Raw bytes rarely get past a magic number or a JSON brace, so each target starts from a valid file
 * (built from docs/FORMATS.md by {@link RunFiles}, or written by {@link BlockMapWriter}) with fuzzed
 * contents, and then lets the fuzzer damage it: byte, 16-, 32- and 64-bit writes at chosen offsets,
 * weighted towards the header, and a truncation.
 */
class RunFileFuzzTest {
    private static final long MAP_ID = 0x1122334455667788L;

    /** A map the fuzzed runs are reported against: 3 functions, 6 probes, one hook. */
    private static final BlockMap MAP = new BlockMap("prog", MAP_ID, "counts", List.of(
            new MappedFunction(0, "main", 0x1000, 0x1040, List.of(new MappedBlock(0, 0, 0x1000, 16, 0),
                    new MappedBlock(0, 1, 0x1010, 16, 1), new MappedBlock(0, 2, 0x1020, 32, BlockMap.NO_PROBE))),
            new MappedFunction(1, "solve", 0x1040, 0x1060, List.of(new MappedBlock(1, 0, 0x1040, 8, 2),
                    new MappedBlock(1, 1, 0x1048, 24, 3))),
            new MappedFunction(2, "tick", 0x1060, 0x1070, List.of(new MappedBlock(2, 0, 0x1060, 8, 4),
                    new MappedBlock(2, 1, 0x1068, 8, 5)))),
            List.of("solve"));

    @FuzzTest(maxDuration = "20s")
    void coverageRunTakesAnyBytes(FuzzedDataProvider fuzz) {
        int width = fuzz.consumeBoolean() ? 1 : 8;
        long[] counters = new long[fuzz.consumeInt(0, 12)];
        for (int i = 0; i < counters.length; i++) {
            counters[i] = fuzz.consumeLong();
        }
        long[][] hooks = new long[fuzz.consumeInt(0, 2)][];
        for (int i = 0; i < hooks.length; i++) {
            hooks[i] = new long[] {fuzz.consumeLong(), fuzz.consumeLong(), fuzz.consumeLong()};
        }
        String executable = fuzz.consumeString(40);
        byte[] b = damage(fuzz, RunFiles.coverage(width, counters, fuzz.consumeLong(), MAP_ID, fuzz.consumeInt(),
                executable.length() > 400 ? "" : executable, hooks), 512);
        try {
            CoverageRun run = CoverageRun.parse("fuzzed.ykcov", b);
            run.executable();
            CoverageData data = CoverageData.merge(MAP, "map", List.of(run));
            TextCoverageWriter.write(data, 3, ExecutionProfile.of(data, block -> 1));
            JsonCoverageWriter.write(data, ExecutionProfile.of(data, block -> ExecutionProfile.UNKNOWN));
            LcovWriter.write(data, null, "fuzzed", Path.of("fuzzed.src"), block -> List.of());
            HtmlCoverageWriter.write(data, block -> List.of(), "fuzzed");
        } catch (YkrwException expected) {
            // a clean refusal
        }
    }

    @FuzzTest(maxDuration = "20s")
    void traceRunTakesAnyBytes(FuzzedDataProvider fuzz) {
        int capacity = fuzz.consumeInt(0, 16);
        int[][] records = new int[capacity][];
        for (int i = 0; i < capacity; i++) {
            records[i] = new int[] {fuzz.consumeInt(0, 3), fuzz.consumeInt(0, 3)};
        }
        long reserved = fuzz.consumeBoolean() ? capacity : fuzz.consumeLong();
        byte[] b = damage(fuzz, RunFiles.trace(reserved, capacity, MAP_ID, fuzz.consumeLong(), fuzz.consumeInt(), records), 64);
        Path file = traceFile();
        try {
            Files.write(file, b);
            TraceRun run = TraceRun.open(file);
            run.checkMatches(MAP, "map");
            long[] seen = new long[1];
            run.forEachRecord(4096, (ordinal, fn, bb) -> seen[0]++);
            if (seen[0] != Math.min(4096, run.recordCount()) || run.dropped() < 0) {
                throw new AssertionError(seen[0] + " records seen of " + run.recordCount() + ", dropped " + run.dropped());
            }
        } catch (YkrwException expected) {
            // a clean refusal
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "20s")
    void blockMapTakesAnyText(FuzzedDataProvider fuzz) {
        byte[] json = fuzz.consumeBoolean() ? damage(fuzz, mapJson(fuzz), 0) : fuzz.consumeRemainingAsBytes();
        try {
            BlockMap map = BlockMapReader.fromJson(new String(json, StandardCharsets.UTF_8), "fuzzed.json");
            useMap(map);
        } catch (YkrwException expected) {
            // a clean refusal
        }
    }

    @FuzzTest(maxDuration = "20s")
    void mapSectionTakesAnyBytes(FuzzedDataProvider fuzz) {
        // Damage before compression reaches the JSON decoder; damage after it, the inflater.
        boolean before = fuzz.consumeBoolean();
        byte[] json = mapJson(fuzz);
        byte[] section = BlockMapWriter.toSectionBytes(before ? damage(fuzz, json, 0) : json);
        if (!before) {
            section = damage(fuzz, section, 2);
        }
        try {
            useMap(BlockMapReader.fromSection(section, 0, section.length, "fuzzed section .ykrw.map"));
        } catch (YkrwException expected) {
            // a clean refusal
        }
    }

    /** A valid map's JSON, with fuzzed names and addresses (BlockMapWriter writes what it is given). */
    private static byte[] mapJson(FuzzedDataProvider fuzz) {
        List<MappedFunction> functions = new ArrayList<>();
        int n = fuzz.consumeInt(0, 3);
        long address = fuzz.consumeLong(0, 1L << 40);
        int probe = 0;
        for (int i = 0; i < n; i++) {
            List<MappedBlock> blocks = new ArrayList<>();
            long start = address;
            for (int j = 0, m = fuzz.consumeInt(0, 3); j < m; j++) {
                int size = fuzz.consumeInt(1, 64);
                blocks.add(new MappedBlock(i, j, address, size, fuzz.consumeBoolean() ? probe++ : BlockMap.NO_PROBE));
                address += size;
            }
            functions.add(new MappedFunction(i, name(fuzz), start, address, blocks));
        }
        List<String> hooks = fuzz.consumeBoolean() ? List.of(name(fuzz)) : List.of();
        BlockMap map = new BlockMap(name(fuzz), fuzz.consumeLong(), "coverage", functions, hooks);
        return BlockMapWriter.toJson(map).getBytes(StandardCharsets.UTF_8);
    }

    /** A name as symbol tables hold them: anything but control characters (which maps refuse). */
    private static String name(FuzzedDataProvider fuzz) {
        return fuzz.consumeString(12).replaceAll("[\\x00-\\x1f\\x7f]", "_");
    }

    /** What reports ask of a map they read. */
    private static void useMap(BlockMap map) {
        map.probeSlots();
        for (MappedFunction f : map.functions()) {
            f.probedBlocks();
            for (MappedBlock b : f.blocks()) {
                b.endAddress();
            }
        }
        long[] counts = new long[map.probeSlots()];
        Arrays.fill(counts, 1);
        CoverageData data = CoverageData.of(map, counts, true);
        TextCoverageWriter.write(data, 3);
        LcovWriter.write(data, null, "fuzzed", Path.of("fuzzed.src"), block -> List.of());
    }

    /**
     * Up to 8 writes of 1, 2, 4 or 8 bytes, half of them in the first {@code hot} bytes (the header),
     * and maybe a truncation.
     */
    private static byte[] damage(FuzzedDataProvider fuzz, byte[] valid, int hot) {
        byte[] b = valid.clone();
        int writes = b.length < 8 ? 0 : fuzz.consumeInt(0, 8);
        for (int i = 0; i < writes; i++) {
            int at = hot > 0 && fuzz.consumeBoolean() ? fuzz.consumeInt(0, Math.max(0, Math.min(hot, b.length) - 8))
                    : fuzz.consumeInt(0, b.length - 8);
            int width = 1 << fuzz.consumeInt(0, 3);
            long value = fuzz.consumeLong();
            for (int k = 0; k < width; k++) {
                b[at + k] = (byte) (value >>> 8 * k);
            }
        }
        if (fuzz.consumeBoolean()) {
            b = Arrays.copyOf(b, fuzz.consumeInt(0, b.length));
        }
        return b;
    }

    private static Path traceFile;

    /** One scratch file for all inputs of a run (writing it costs less than making a new one each time). */
    private static synchronized Path traceFile() {
        if (traceFile == null) {
            try {
                traceFile = Files.createTempFile("ykrw-fuzz", ".bin");
                traceFile.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return traceFile;
    }
}
