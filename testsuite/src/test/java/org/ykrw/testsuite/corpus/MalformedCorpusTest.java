package org.ykrw.testsuite.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.TestFactory;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.testutil.Tools;

/**
 * Every file of the generated malformed corpus ({@link MalformedCorpus}, made from small compiled C
 * and C++ programs) through every ykrw command, in-process. A command either refuses with exit status 2 and
 * exactly one stderr line {@code ykrw: ...}, printing nothing on stdout and writing no file, or, when
 * the damage does not matter to it, succeeds with exit 0 and an output ykrw's reader accepts. Never:
 * another status (70 is a bug), a stack trace, an Error escaping (OutOfMemoryError,
 * StackOverflowError), a run longer than the time limit, a temporary file left behind, a changed
 * input.
 */
class MalformedCorpusTest {
    /** A command under test: its name and its arguments for an input and an output path. */
    record Command(String name, boolean writesOutput, BiFunction<Path, Path, List<String>> args) {
    }

    /** One line per command. */
    static final List<Command> COMMANDS = List.of(
            new Command("stats", false, (in, out) -> List.of("stats", in.toString())),
            new Command("cfg", false, (in, out) -> List.of("cfg", in.toString(), "--function", "main")),
            new Command("rewrite", true, (in, out) -> List.of("rewrite", in.toString(), "-o", out.toString())),
            new Command("strip", true, (in, out) -> List.of("strip", in.toString(), "-o", out.toString())),
            new Command("patch", true, (in, out) -> List.of("patch", in.toString(), "-o", out.toString(), "--disable", "main")),
            new Command("instrument --coverage", true, (in, out) -> List.of("instrument", "--coverage", in.toString(), "-o", out.toString())),
            // strict here (issue 12): the fill, the trap table and the address map meet damaged input too
            new Command("instrument --trace --strict", true, (in, out) -> List.of("instrument", "--trace", "--strict",
                    in.toString(), "-o", out.toString())));

    private static Path dir;
    private static InProcessCli cli;
    /** Exit statuses seen per command, printed at the end: a corpus nobody refuses tests nothing. */
    private static final Map<String, Map<Integer, Integer>> TALLY = new java.util.TreeMap<>();

    @BeforeAll
    static void setUp() throws IOException {
        dir = Files.createTempDirectory("ykrw-corpus");
        cli = new InProcessCli(Duration.ofSeconds(30));
    }

    @AfterAll
    static void tearDown() throws IOException {
        System.out.println("malformed corpus, exit statuses per command: " + TALLY);
        cli.close();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    /**
     * The valid programs the corpus is made from, each built once into target/: base.c as a PIE with
     * packed relative relocations (SHT_RELR), base.cpp position-dependent with exception tables.
     */
    enum Base {
        C_PIE_RELR("base.c", "gcc", "-O2", "-pie", "-Wl,-z,pack-relative-relocs"),
        CPP_NO_PIE("base.cpp", "g++", "-O2", "-no-pie");

        private final String source;
        private final List<String> compiler;

        Base(String source, String... compiler) {
            this.source = source;
            this.compiler = List.of(compiler);
        }

        byte[] bytes() throws IOException {
            Path bin = Path.of("target/corpus-" + name().toLowerCase()).toAbsolutePath();
            if (!Files.exists(bin)) {
                Files.createDirectories(bin.getParent());
                List<String> cmd = new ArrayList<>(compiler);
                cmd.addAll(List.of("-g0", "-o", bin.toString(), "src/test/resources/corpus/" + source));
                Tools.output(cmd);
            }
            return Files.readAllBytes(bin);
        }
    }

    @ParameterizedTest
    @EnumSource(Base.class)
    void theUndamagedBaseWorksWithEveryCommand(Base base) throws IOException {
        Path input = dir.resolve("base");
        Files.write(input, base.bytes());
        for (Command c : COMMANDS) {
            Path output = dir.resolve("base.out");
            InProcessCli.Run r = cli.run(c.args().apply(input, output));
            assertEquals(0, r.exit(), c.name() + ": " + r.stderr());
            assertEquals(c.writesOutput(), Files.exists(output), c.name());
            Files.deleteIfExists(output);
        }
        Files.delete(input);
    }

    @TestFactory
    Stream<DynamicTest> everyCommandOnEveryDamagedFile() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Base base : Base.values()) {
            Map<String, byte[]> corpus = MalformedCorpus.generate(base.bytes());
            assertEquals(true, corpus.size() > 500, base + ": corpus has only " + corpus.size() + " files");
            corpus.forEach((name, bytes) -> tests.add(DynamicTest.dynamicTest(base + " " + name,
                    () -> check(base.name().toLowerCase() + "-" + name, bytes))));
        }
        return tests.stream();
    }

    private static void check(String name, byte[] contents) throws IOException {
        List<String> problems = new ArrayList<>();
        for (Command c : COMMANDS) {
            Path input = dir.resolve(name);
            Files.write(input, contents);
            Path output = dir.resolve(name + ".out");
            InProcessCli.Run r = cli.run(c.args().apply(input, output));
            String why = judge(c, r, output);
            synchronized (TALLY) {
                TALLY.computeIfAbsent(c.name(), k -> new java.util.TreeMap<>()).merge(r.exit(), 1, Integer::sum);
            }
            if (!Arrays.equals(contents, Files.readAllBytes(input))) {
                why = (why == null ? "" : why + "; ") + "input changed";
            }
            try (Stream<Path> s = Files.list(dir)) {
                List<Path> left = s.filter(p -> !p.equals(input) && !p.equals(output)).toList();
                if (!left.isEmpty()) {
                    why = (why == null ? "" : why + "; ") + "left behind " + left;
                }
            }
            if (why != null) {
                problems.add(c.name() + ": " + why);
            }
            Files.deleteIfExists(output);
            Files.deleteIfExists(input);
        }
        if (!problems.isEmpty()) {
            fail(name + ":\n  " + String.join("\n  ", problems));
        }
    }

    /** @return what is wrong with this run, or null */
    private static String judge(Command c, InProcessCli.Run r, Path output) {
        if (r.timedOut()) {
            return "no answer within the time limit";
        }
        if (r.escaped() != null) {
            return "escaped " + r.escaped();
        }
        String err = r.stderr().strip();
        if (err.contains("Exception") || err.contains("\tat ") || err.contains("internal error")) {
            return "exit " + r.exit() + ", stack trace or internal error: " + err;
        }
        if (r.exit() == 2) {
            if (err.lines().count() != 1 || !err.startsWith("ykrw: ")) {
                return "not one 'ykrw: ' line: " + err;
            }
            if (!r.stdout().isEmpty()) {
                return "printed on stdout before refusing: " + r.stdout().lines().findFirst().orElse("");
            }
            if (Files.exists(output)) {
                return "output file written";
            }
            return null;
        }
        if (r.exit() != 0) {
            return "exit status " + r.exit() + ": " + err;
        }
        if (c.writesOutput()) {
            if (!Files.exists(output)) {
                return "exit 0 without an output file";
            }
            try {
                ElfFile.read(output);
            } catch (YkrwException e) {
                return "exit 0 but the output is not valid: " + e.getMessage();
            }
        }
        return null;
    }
}
