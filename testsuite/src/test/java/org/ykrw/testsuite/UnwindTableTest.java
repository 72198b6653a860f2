package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ykrw.core.RewriteOptions;
import org.ykrw.core.Rewriter;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.testutil.Tools;

/**
 * The unwind rows of moved code, as binutils reads them back: for every moved instruction inside an
 * input FDE, the row `readelf --debug-dump=frames-interp` gives its new address in the output equals the
 * row of its old address in the input (CFA rule and every register rule). Checked on the stripped C++
 * variants, whose static links hold libstdc++ and glibc (hand-written assembly, remember/restore_state,
 * CFA expressions in signal frames).
 */
class UnwindTableTest {
    private static final Pattern FDE = Pattern.compile("FDE cie=\\S+ pc=([0-9a-f]+)\\.\\.([0-9a-f]+)");

    @TempDir
    Path dir;

    static List<Variant> variants() {
        return ProgramMatrix.all().stream().filter(v -> ProgramMatrix.isCpp(v.program())).toList();
    }

    /** An FDE's interpreted table: row start -> register -> rule ('u' rules dropped). */
    private record Table(long begin, long end, TreeMap<Long, Map<String, String>> rows) {
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void movedInstructionsKeepTheirUnwindRows(Variant v) throws IOException {
        // strict mode (issue 12): the fill touches old code only, so the rows are those of the plain rewrite;
        // NullRewriteTest runs these strict outputs, exceptions and all
        Rewriter.Result r = Rewriter.rewrite(ElfFile.read(v.stripped()), LiftOptions.defaults(), List.of(),
                RewriteOptions.defaults().withStrict(true));
        Path out = dir.resolve(v.name() + ".rw");
        Files.write(out, r.output());
        List<Table> before = tables(v.stripped());
        List<Table> after = tables(out);
        int checked = 0;
        List<String> problems = new ArrayList<>();
        for (Map.Entry<Long, Long> e : r.instructionMap().entrySet()) {
            Map<String, String> old = rowAt(before, e.getKey());
            if (old == null) {
                continue;  // code no FDE described stays undescribed
            }
            Map<String, String> now = rowAt(after, e.getValue());
            checked++;
            if (!old.equals(now) && problems.size() < 5) {
                problems.add(String.format("0x%x -> 0x%x: %s became %s", e.getKey(), e.getValue(), old, now));
            }
        }
        assertTrue(checked > 100, "instructions checked: " + checked);
        assertEquals(List.of(), problems, v + ": " + checked + " instructions checked");
    }

    private static Map<String, String> rowAt(List<Table> tables, long address) {
        for (Table t : tables) {
            if (address >= t.begin() && address < t.end()) {
                Map.Entry<Long, Map<String, String>> row = t.rows().floorEntry(address);
                return row == null ? Map.of() : row.getValue();
            }
        }
        return null;
    }

    private static List<Table> tables(Path file) {
        Tools.Result r = Tools.run(List.of("readelf", "-W", "--debug-dump=frames-interp", file.toString()), 120);
        assertEquals("", r.stderr(), "readelf warnings on " + file);
        List<Table> out = new ArrayList<>();
        String[] columns = null;
        Table current = null;
        for (String line : r.stdout().split("\n")) {
            Matcher m = FDE.matcher(line);
            if (m.find()) {
                current = new Table(Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2), 16),
                        new TreeMap<>());
                out.add(current);
                columns = null;
            } else if (line.contains(" CIE")) {
                current = null;
            } else if (current != null && line.trim().startsWith("LOC")) {
                columns = line.trim().split("\\s+");
            } else if (current != null && columns != null && line.matches("^[0-9a-f]{16} .*")) {
                String[] cells = line.trim().split("\\s+");
                Map<String, String> row = new HashMap<>();
                for (int i = 1; i < cells.length && i < columns.length; i++) {
                    if (!cells[i].equals("u")) {
                        row.put(columns[i], cells[i]);
                    }
                }
                current.rows().put(Long.parseUnsignedLong(cells[0], 16), row);
            }
        }
        return out;
    }
}
