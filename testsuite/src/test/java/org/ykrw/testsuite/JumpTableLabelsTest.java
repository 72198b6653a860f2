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
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfSymbol;
import org.ykrw.core.elf.Section;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.JumpTable;
import org.ykrw.core.ir.Program;
import org.ykrw.core.testutil.Tools;
import org.ykrw.passes.instrument.BlockFilter;
import org.ykrw.passes.instrument.CoveragePass;

/**
 * The compiler's own word on its jump tables (issue 12): each test program is compiled to assembly,
 * whose tables are lists of {@code .long .LBB0_3-.LJTI0_0} or {@code .quad .L7} lines, and assembled
 * with its local labels kept in the symbol table. Lifting the stripped copy must find every one of
 * those tables at its label's address with exactly the labels' code addresses as targets, each a
 * block. The symbol-table comparison of CfgGroundTruthTest cannot see a table it was never told of;
 * this can. For cases.c, which runs every case of every switch, coverage must also reach every
 * table target: a target the rewrite missed would run as old, uninstrumented code.
 */
class JumpTableLabelsTest {
    private static final Pattern LABEL = Pattern.compile("^([A-Za-z_.$][\\w.$]*):");
    private static final Pattern RELATIVE = Pattern.compile("^\\s+\\.long\\s+([\\w.$]+)-([\\w.$]+)\\s*$");
    private static final Pattern ABSOLUTE = Pattern.compile("^\\s+\\.quad\\s+([\\w.$]+)\\s*$");

    @TempDir
    Path dir;

    static Stream<Arguments> variants() {
        List<Arguments> out = new ArrayList<>();
        for (String program : List.of("cases", "switch")) {
            List<String> compilers = new ArrayList<>(List.of("gcc", "clang"));
            if (Files.isExecutable(Path.of("/usr/bin/clang-16"))) {
                compilers.add("clang-16");  // the other clang, where installed (the baselines use it)
            }
            for (String cc : compilers) {
                for (String opt : List.of("O0", "O1", "O2", "O3")) {
                    for (String link : List.of("pie", "nopie")) {
                        out.add(Arguments.of(program, cc, opt, link));
                    }
                }
            }
        }
        return out.stream();
    }

    /** A table as the assembly lists it: its label and the labels of its slots, in order. */
    private record AsmTable(String label, String function, List<String> slots) {
    }

    @ParameterizedTest(name = "{0}-{1}-{2}-{3}")
    @MethodSource("variants")
    void everyCompilerTableIsResolvedWithItsLabels(String program, String cc, String opt, String link) throws Exception {
        Path asm = dir.resolve(program + ".s");
        Path bin = dir.resolve(program);
        Path stripped = dir.resolve(program + ".stripped");
        boolean pie = link.equals("pie");
        Tools.output(List.of(cc, "-" + opt, pie ? "-fPIE" : "-fno-pie", "-S", "-o", asm.toString(),
                ProgramMatrix.source(program).toString()));
        // -L keeps the assembler's local labels (.LBB0_3, .L7) as symbols of the executable.
        Tools.output(List.of(cc, "-Wa,-L", pie ? "-pie" : "-no-pie", "-o", bin.toString(), asm.toString()));
        Tools.output(List.of("strip", "-o", stripped.toString(), bin.toString()));

        Map<String, Long> labels = new HashMap<>();
        Map<Long, String> coldParts = new HashMap<>();
        ElfFile full = ElfFile.read(bin);
        Section text = full.section(".text").orElseThrow();
        for (ElfSymbol s : full.symbols()) {
            if (s.isDefined()) {
                labels.putIfAbsent(s.name(), s.value());
                if (s.name().contains(".cold")) {
                    coldParts.put(s.value(), s.name());
                }
            }
        }
        Program p = CfgBuilder.lift(ElfFile.read(stripped), LiftOptions.defaults());
        Map<Long, JumpTable> byTable = new HashMap<>();
        for (JumpTable t : p.jumpTables()) {
            byTable.put(t.tableAddress(), t);
        }

        List<AsmTable> tables = tables(Files.readAllLines(asm));
        List<String> problems = new ArrayList<>();
        Set<Long> targets = new TreeSet<>();
        int checked = 0;
        for (AsmTable t : tables) {
            if ((t.function().equals("interpret") || t.label().startsWith("interpret."))
                    && cc.startsWith("clang") && opt.equals("O0")) {
                continue;  // one shared `jmp rax` fed by a stack slot: known unresolved, see CfgGroundTruthTest
            }
            Long at = labels.get(t.label());
            if (at == null || t.slots().stream().anyMatch(s -> !labels.containsKey(s))) {
                // Code labels are all kept (-L); a string's label in a mergeable section is not: a
                // lookup table of strings (clang's .Lswitch.table, gcc's CSWTCH), no jump table.
                continue;
            }
            Function f = p.functionAt(labels.getOrDefault(t.function(), -1L));
            Set<Long> expected = new TreeSet<>();
            for (String slot : t.slots()) {
                long target = labels.get(slot);
                if (f != null && target == f.endAddress()) {
                    continue;  // clang's unreachable default: a label just past the function, no code
                }
                expected.add(target);
            }
            if (expected.isEmpty() || expected.stream().anyMatch(a -> !text.containsAddress(a))) {
                continue;  // not a jump table: a list of data pointers
            }
            checked++;
            JumpTable found = byTable.get(at);
            if (found == null) {
                problems.add(String.format("%s of %s at 0x%x (%d slots): not resolved", t.label(), t.function(), at,
                        t.slots().size()));
                continue;
            }
            Set<Long> got = new TreeSet<>(found.codeTargets());
            // A table bounded by its index's width rather than a compare (a tag byte with no bound)
            // may be read on into what follows it while that holds code addresses: more targets, each
            // still code, is the documented over-approximation; fewer would be a miss.
            if (found.widthBound() ? !got.containsAll(expected) : !got.equals(expected)) {
                problems.add(String.format("%s of %s: targets %s, the compiler's %s", t.label(), t.function(),
                        hex(got), hex(expected)));
            }
            Function owner = p.functionContaining(found.jumpAddress());
            for (long target : expected) {
                Block b = p.blockAt(target);
                Function home = p.functionContaining(target);
                // gcc's rarely run cases may live in the function's .cold part, a function of its own
                if (b == null || home == null || home != owner && !coldParts.containsKey(home.entryAddress())) {
                    problems.add(String.format("%s of %s: target 0x%x is %s", t.label(), t.function(), target,
                            b == null ? "no block" : "in " + (home == null ? "no function" : home.name())));
                }
            }
            targets.addAll(expected);
        }
        String name = program + "-" + cc + "-" + opt + "-" + link;
        assertTrue(problems.isEmpty(), name + ": " + problems);
        assertTrue(checked >= (program.equals("cases") ? 7 : 3) || opt.equals("O0") && checked >= 3,
                name + ": only " + checked + " tables in the assembly");

        if (program.equals("cases")) {
            everyTargetIsCovered(stripped, targets, name);
        }
    }

    /**
     * cases.c runs every case: every table target must be a probed block that ran (probes in every
     * block: a pruned target's figure would come from its successors, not from the table's jump).
     */
    private void everyTargetIsCovered(Path stripped, Set<Long> targets, String name) throws Exception {
        CoveragePass pass = new CoveragePass(CoveragePass.Mode.COVERAGE, BlockFilter.ALL).withPruning(false);
        InstrumentedRun r = InstrumentedRun.instrument(stripped, pass, dir.resolve("run")).run(Map.of());
        assertEquals(0, r.exit, name + " instrumented: " + r.stderr);
        assertEquals(ProgramMatrixTest.expected("cases"), r.stdout, name + " instrumented output");
        long[] counters = InstrumentedRun.Coverage.read(r.files(".ykcov").get(0)).counters();
        Map<Long, Integer> probeAt = new HashMap<>();
        pass.probes().forEach((b, k) -> probeAt.put(b.address(), k));
        List<String> missed = new ArrayList<>();
        for (long target : targets) {
            Integer k = probeAt.get(target);
            if (k == null || counters[k] == 0) {
                missed.add(String.format("0x%x%s", target, k == null ? " (no probe)" : ""));
            }
        }
        assertTrue(missed.isEmpty(), name + ": table targets not covered: " + missed);
    }

    /**
     * @return the tables of an assembly file: a label followed at once by {@code .long X-label} or
     *     {@code .quad X} lines, with the function whose body (or its read-only data after it) holds them
     */
    private static List<AsmTable> tables(List<String> lines) {
        List<AsmTable> out = new ArrayList<>();
        Set<String> functions = new java.util.HashSet<>();
        for (String l : lines) {
            Matcher m = Pattern.compile("^\\s+\\.type\\s+([\\w.$]+),\\s*@function").matcher(l);
            if (m.find()) {
                functions.add(m.group(1));
            }
        }
        String function = "";
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = LABEL.matcher(lines.get(i));
            if (!m.find()) {
                continue;
            }
            String label = m.group(1);
            if (functions.contains(label)) {
                function = label;
                continue;
            }
            List<String> slots = new ArrayList<>();
            for (int j = i + 1; j < lines.size(); j++) {
                Matcher rel = RELATIVE.matcher(lines.get(j));
                Matcher abs = ABSOLUTE.matcher(lines.get(j));
                if (rel.find() && rel.group(2).equals(label)) {
                    slots.add(rel.group(1));
                } else if (abs.find()) {
                    slots.add(abs.group(1));
                } else {
                    break;
                }
            }
            if (!slots.isEmpty()) {
                out.add(new AsmTable(label, function, slots));
            }
        }
        return out;
    }

    private static List<String> hex(Set<Long> addresses) {
        return addresses.stream().map(a -> "0x" + Long.toHexString(a)).toList();
    }
}
