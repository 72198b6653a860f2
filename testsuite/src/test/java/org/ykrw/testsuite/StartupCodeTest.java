package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.testutil.Tools;
import org.ykrw.coverage.BlockMapReader;
import org.ykrw.coverage.StartupCode;

/**
 * Issue 16: coverage summaries leave out the C start-up code, as gcov's do. The functions ykrw
 * recognises are compared with the start-up symbols {@code nm} lists in the unstripped build, for
 * the stripped copy as well (same addresses: strip keeps the code), read through the original and
 * through the instrumented file (whose entry point is the runtime's). Then the text report through
 * the jar: without the start-up code by default, with it under {@code --include-startup}.
 */
class StartupCodeTest {
    /** What crt1.o, crti.o and crtbegin.o define as functions, by name. */
    private static final Set<String> CRT = Set.of("_start", "_init", "_fini", "frame_dummy", "deregister_tm_clones",
            "register_tm_clones", "__do_global_dtors_aux", "_dl_relocate_static_pie");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({"gcc, -O0, -pie", "gcc, -O2, -no-pie", "clang, -O2, -pie", "clang, -O0, -no-pie"})
    void startUpCodeIsRecognisedAndLeftOutOfSummaries(String cc, String opt, String link) throws IOException {
        Path bin = dir.resolve("covered");
        List<String> cmd = new ArrayList<>(List.of(cc, opt, link.equals("-pie") ? "-fPIE" : "-fno-pie", link,
                "-o", bin.toString(), ProgramMatrix.sources().resolve("covered.c").toString()));
        Tools.output(cmd);
        Set<Long> expected = crtAddresses(bin);
        assertTrue(expected.size() >= 6, "nm lists the start-up code: " + expected);
        Path stripped = dir.resolve("covered.stripped");
        Tools.output("strip", "-o", stripped.toString(), bin.toString());

        for (Path input : List.of(bin, stripped)) {
            Path out = dir.resolve(input.getFileName() + ".inst");
            Path json = dir.resolve(input.getFileName() + ".map.json");
            Tools.Result r = YkrwJar.run("instrument", "--coverage", input.toString(), "-o", out.toString(),
                    "--map", json.toString());
            assertEquals(0, r.exit(), r.stderr());
            BlockMap map = BlockMapReader.read(json);
            for (Path read : List.of(input, out)) {
                Set<Long> found = new TreeSet<>();
                for (int i : StartupCode.of(map, ElfFile.read(read))) {
                    found.add(map.functions().get(i).address());
                }
                assertEquals(hex(expected), hex(found), "start-up code of " + read.getFileName());
            }
            assertFalse(StartupCode.of(map, null).stream().anyMatch(i -> map.functions().get(i).name().equals("main")));

            Path runDir = Files.createDirectories(dir.resolve("run-" + input.getFileName()));
            Tools.run(List.of("env", "YKRW_COVERAGE_DIR=" + runDir, out.toString(), "banana", "5"), 60);
            Path run;
            try (var files = Files.list(runDir)) {
                run = files.findFirst().orElseThrow();
            }
            String plain = YkrwJar.run("coverage", "report", run.toString()).stdout();
            String all = YkrwJar.run("coverage", "report", run.toString(), "--include-startup").stdout();
            assertTrue(plain.contains(expected.size() + " start-up function(s) not counted"), plain);
            assertFalse(all.contains("start-up"), all);
            // every start-up function with probes is listed under --include-startup and only there
            int probedStartup = 0;
            for (int i : StartupCode.of(map, ElfFile.read(out))) {
                BlockMap.MappedFunction f = map.functions().get(i);
                if (f.probedBlocks() > 0) {
                    probedStartup++;
                    assertFalse(listed(plain, f.name()), f.name() + "\n" + plain);
                    assertTrue(listed(all, f.name()), f.name() + "\n" + all);
                }
            }
            assertEquals(functionsLine(all), functionsLine(plain) + probedStartup, plain + "\n" + all);
            assertTrue(probedStartup > 0 || link.equals("-no-pie"), "PIE start-up code moves and has probes");
        }
    }

    /** @return true when the report's function table has a row for {@code name} */
    private static boolean listed(String report, String name) {
        return report.lines().anyMatch(l -> l.matches("\\s+\\d+\\s+\\d+\\s+[0-9.]+\\s+" + java.util.regex.Pattern.quote(name)));
    }

    /** @return the total of "functions N of TOTAL entered" */
    private static int functionsLine(String report) {
        String line = report.lines().filter(l -> l.startsWith("functions")).findFirst().orElseThrow();
        return Integer.parseInt(line.replaceAll(".* of +(\\d+) entered.*", "$1"));
    }

    /** @return addresses of the start-up functions nm lists in .text, .init and .fini */
    private static Set<Long> crtAddresses(Path bin) {
        Set<Long> out = new TreeSet<>();
        for (String line : Tools.output("nm", bin.toString()).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && (f[1].equals("t") || f[1].equals("T")) && CRT.contains(f[2])) {
                out.add(Long.parseLong(f[0], 16));
            }
        }
        return out;
    }

    private static List<String> hex(Set<Long> addresses) {
        return addresses.stream().map(Long::toHexString).toList();
    }
}
