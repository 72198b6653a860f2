package org.ykrw.core.dwarf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ykrw.core.diag.MalformedElfException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Section;
import org.ykrw.core.testutil.Tools;

/**
 * The line-table reader against llvm-dwarfdump's decoding of the same binary, row for row (address,
 * line, file, end of sequence), for DWARF 5 and 4 from gcc and clang, optimised or not, and with
 * zlib-compressed debug sections.
 */
class LineTableReaderTest {
    static final Path SOURCE = Path.of("src/test/resources/coverage/branches.c").toAbsolutePath();
    private static final Pattern ROW = Pattern.compile(
            "^0x([0-9a-f]+)\\s+(\\d+)\\s+\\d+\\s+(\\d+)\\s+\\d+\\s+\\d+\\s*(.*)$");
    private static final Pattern DIR = Pattern.compile("^include_directories\\[\\s*(\\d+)\\] = \"(.*)\"$");
    private static final Pattern FILE = Pattern.compile("^file_names\\[\\s*(\\d+)\\]:$");
    private static final Pattern NAME = Pattern.compile("^name: \"(.*)\"$");
    private static final Pattern DIR_INDEX = Pattern.compile("^dir_index: (\\d+)$");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gcc -O0 -g", "gcc -O2 -g", "gcc -O2 -gdwarf-4", "clang -O0 -g", "clang -O2 -g",
        "clang -O1 -gdwarf-4", "gcc -O2 -g -gz=zlib", "gcc -O0 -g -static"})
    void rowsEqualLlvmDwarfdump(String build) {
        Path bin = dir.resolve("b");
        List<String> cmd = new ArrayList<>(List.of(build.split(" ")));
        cmd.addAll(List.of("-o", bin.toString(), SOURCE.toString()));
        Tools.output(cmd);
        ElfFile elf = ElfFile.read(bin);
        if (build.contains("-gz")) {
            Section s = elf.section(".debug_line").orElseThrow();
            assertTrue((s.flags() & 0x800) != 0, "the section is SHF_COMPRESSED");
        }
        LineTable table = LineTableReader.read(elf);
        List<String> expected = dwarfdumpRows(bin);
        List<String> actual = table.rows().stream()
                .map(r -> String.format("%x %d %s%s", r.address(), r.line(), r.file(), r.endSequence() ? " end" : ""))
                .toList();
        assertEquals(expected, actual);
        assertTrue(actual.stream().anyMatch(r -> r.contains("branches.c")), "rows of the fixture's source");
        assertEquals(build.contains("dwarf-4") ? 4 : 5, table.version());
    }

    /** Rows as llvm-dwarfdump decodes them, files resolved through its printed tables. */
    private static List<String> dwarfdumpRows(Path bin) {
        List<String> rows = new ArrayList<>();
        Map<Integer, String> dirs = new HashMap<>();
        Map<Integer, String> files = new HashMap<>();
        int fileIndex = -1;
        String name = null;
        for (String raw : Tools.output("llvm-dwarfdump", "--debug-line", bin.toString()).split("\n")) {
            String line = raw.trim();
            Matcher m;
            if (line.startsWith("debug_line[")) {
                dirs.clear();
                files.clear();
            } else if ((m = DIR.matcher(line)).matches()) {
                dirs.put(Integer.parseInt(m.group(1)), m.group(2));
            } else if ((m = FILE.matcher(line)).matches()) {
                fileIndex = Integer.parseInt(m.group(1));
            } else if ((m = NAME.matcher(line)).matches()) {
                name = m.group(1);
            } else if ((m = DIR_INDEX.matcher(line)).matches()) {
                String d = dirs.getOrDefault(Integer.parseInt(m.group(1)), "");
                files.put(fileIndex, name.startsWith("/") || d.isEmpty() ? name : d + "/" + name);
            } else if ((m = ROW.matcher(line)).matches()) {
                boolean end = m.group(4).contains("end_sequence");
                rows.add(String.format("%x %s %s%s", Long.parseUnsignedLong(m.group(1), 16), m.group(2),
                        files.get(Integer.parseInt(m.group(3))), end ? " end" : ""));
            }
        }
        return rows;
    }

    @Test
    void binaryWithoutDebugInfoHasAnEmptyTable() {
        assertTrue(LineTableReader.read(ElfFile.read(Path.of("/usr/bin/true"))).isEmpty());
    }

    @Test
    void truncatedOrCorruptTablesAreOneLine() {
        byte[] unit = {
            (byte) 0x40, 0, 0, 0,  // unit length 64, past the 10 bytes that follow
            5, 0, 8, 0, 0, 0, 0, 0, 0, 0};
        MalformedElfException e = assertThrows(MalformedElfException.class, () -> LineTableReader.parse(unit, null, null));
        assertTrue(e.getMessage().contains("runs past the end"), e.getMessage());
        byte[] version = {6, 0, 0, 0, 9, 0, 0, 0, 0, 0};
        e = assertThrows(MalformedElfException.class, () -> LineTableReader.parse(version, null, null));
        assertTrue(e.getMessage().contains("version 9"), e.getMessage());
        // version 4 header cut short inside the opcode lengths
        byte[] cut = {12, 0, 0, 0, 4, 0, 40, 0, 0, 0, 1, 1, 1, (byte) 0xfb, 14, 13};
        e = assertThrows(MalformedElfException.class, () -> LineTableReader.parse(cut, null, null));
        assertEquals(1, e.getMessage().lines().count());
    }
}
