package org.ykrw.coverage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;

/**
 * drcov output read back by a parser written here from the format description (NOTES section 3),
 * not from the writer: header lines, the module line, and one record per covered block whose offset
 * from the module base gives back the block's input address.
 */
class DrcovWriterTest {
    @TempDir
    static Path dir;

    /** What a drcov reader gets out of a file. */
    record Parsed(List<String> header, String[] module, List<long[]> blocks) {
    }

    /** Parses drcov version 2 with a version-2 module table, as Lighthouse does. */
    static Parsed parse(byte[] file) {
        List<String> header = new ArrayList<>();
        int pos = 0;
        String[] module = null;
        int bbs = -1;
        while (bbs < 0) {
            int nl = pos;
            while (file[nl] != '\n') {
                nl++;
            }
            String line = new String(file, pos, nl - pos, StandardCharsets.UTF_8);
            pos = nl + 1;
            header.add(line);
            if (line.matches("\\s*\\d+, 0x.*")) {
                module = line.trim().split(", ", 5);
            } else if (line.startsWith("BB Table: ")) {
                bbs = Integer.parseInt(line.substring(10, line.indexOf(" bbs")));
            }
        }
        assertEquals(pos + 8L * bbs, file.length, "BB table fills the rest of the file");
        ByteBuffer b = ByteBuffer.wrap(file, pos, file.length - pos).order(ByteOrder.LITTLE_ENDIAN);
        List<long[]> blocks = new ArrayList<>();
        for (int i = 0; i < bbs; i++) {
            blocks.add(new long[] {b.getInt() & 0xFFFF_FFFFL, b.getShort() & 0xFFFF, b.getShort() & 0xFFFF});
        }
        return new Parsed(header, module, blocks);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-pie", "-no-pie"})
    void recordsReadBackAsCoveredBlocks(String link) {
        Fixture fx = Fixture.build(dir, "gcc", "-O0", "-g", link.equals("-pie") ? "-fPIE" : "-fno-pie", link);
        long bias = link.equals("-pie") ? 0x5555_5555_4000L : 0;
        long[] counts = new long[fx.map().probeSlots()];
        List<MappedBlock> covered = new ArrayList<>();
        for (String name : List.of("main", "sum_to")) {
            for (MappedBlock b : fx.function(name).blocks()) {
                counts[b.probe()] = 1;
                covered.add(b);
            }
        }
        covered.sort((a, b) -> Long.compare(a.address(), b.address()));
        CoverageData data = CoverageData.of(fx.map(), counts, false);
        DrcovModule module = DrcovModule.of(fx.elf(), fx.binary().toString(), bias);
        Parsed p = parse(DrcovWriter.write(data, module));

        assertEquals(List.of("DRCOV VERSION: 2", "DRCOV FLAVOR: drcov-64", "Module Table: version 2, count 1",
                "Columns: id, base, end, entry, path"), p.header().subList(0, 4));
        long linkBase = link.equals("-pie") ? 0 : 0x400000;
        assertEquals("0", p.module()[0]);
        assertEquals(linkBase + bias, Long.parseUnsignedLong(p.module()[1].substring(2), 16));
        assertTrue(Long.parseUnsignedLong(p.module()[2].substring(2), 16) > linkBase + bias);
        assertEquals(fx.elf().entry() + bias, Long.parseUnsignedLong(p.module()[3].substring(2), 16));
        assertEquals(fx.binary().toString(), p.module()[4]);
        assertEquals(covered.size(), p.blocks().size());
        for (int i = 0; i < covered.size(); i++) {
            long[] r = p.blocks().get(i);
            assertEquals(covered.get(i).address(), linkBase + r[0], "offsets count from the link-time base");
            assertEquals(covered.get(i).size(), r[1]);
            assertEquals(0, r[2]);
        }
    }
}
