package org.ykrw.testsuite;

import org.ykrw.core.testutil.Tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input through the real CLI jar in a subprocess: every malformed or unsupported file gets exactly
 * one stderr line starting "ykrw: ", exit status 2, no stack trace, within seconds, and no output file.
 */
class BadInputTest {
    static final Path JAR = Path.of("../cli/target/ykrw.jar").toAbsolutePath();

    @TempDir
    static Path dir;

    /** @return named malformed variants of /bin/true */
    static Map<String, byte[]> corpus() throws IOException {
        byte[] good = Files.readAllBytes(Path.of("/bin/true"));
        ByteBuffer hdr = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN);
        long phoff = hdr.getLong(32);
        long shoff = hdr.getLong(40);
        int phnum = hdr.getShort(56) & 0xFFFF;
        Map<String, byte[]> out = new LinkedHashMap<>();
        out.put("empty", new byte[0]);
        out.put("text", "#!/bin/sh\necho not an ELF\n".getBytes());
        out.put("magic-only", Arrays.copyOf(good, 4));
        out.put("truncated-ident", Arrays.copyOf(good, 10));
        out.put("truncated-header", Arrays.copyOf(good, 40));
        out.put("truncated-phdrs", Arrays.copyOf(good, (int) phoff + 56 * phnum / 2));
        out.put("truncated-middle", Arrays.copyOf(good, good.length / 2));
        out.put("truncated-shdrs", Arrays.copyOf(good, (int) shoff + 100));
        out.put("class32", patch(good, 4, 1));
        out.put("bad-class", patch(good, 4, 7));
        out.put("big-endian", patch(good, 5, 2));
        out.put("machine-aarch64", patch16(good, 18, 183));
        out.put("type-relocatable", patch16(good, 16, 1));
        out.put("type-core", patch16(good, 16, 4));
        out.put("phoff-past-end", patch64(good, 32, good.length + 1000L));
        out.put("shoff-past-end", patch64(good, 40, good.length - 10L));
        out.put("phnum-huge", patch16(good, 56, 0xFFFF));
        out.put("shnum-huge", patch16(good, 60, 0xFFFF));
        out.put("shstrndx-out-of-range", patch16(good, 62, 0xFFF0));
        out.put("phentsize-wrong", patch16(good, 54, 32));
        byte[] hugeSection = good.clone();
        int shnum = hdr.getShort(60) & 0xFFFF;
        ByteBuffer.wrap(hugeSection).order(ByteOrder.LITTLE_ENDIAN).putLong((int) shoff + 64 * (shnum - 2) + 32, 1L << 40);
        out.put("section-size-huge", hugeSection);
        byte[] hugeSegment = good.clone();
        ByteBuffer.wrap(hugeSegment).order(ByteOrder.LITTLE_ENDIAN).putLong((int) phoff + 56 * 2 + 32, 1L << 40);
        out.put("segment-filesz-huge", hugeSegment);
        return out;
    }

    private static byte[] patch(byte[] b, int off, int value) {
        byte[] c = b.clone();
        c[off] = (byte) value;
        return c;
    }

    private static byte[] patch16(byte[] b, int off, int value) {
        byte[] c = b.clone();
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putShort(off, (short) value);
        return c;
    }

    private static byte[] patch64(byte[] b, int off, long value) {
        byte[] c = b.clone();
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putLong(off, value);
        return c;
    }

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : corpus().entrySet()) {
            for (String command : List.of("stats", "cfg", "rewrite", "strip", "patch")) {
                out.add(Arguments.of(e.getKey(), e.getValue(), command));
            }
        }
        return out.stream();
    }

    /** Every command and option that reads an input file, with {@code %s} where the file goes, RUN for a coverage run. */
    static Stream<Arguments> readers() {
        String run = "RUN";
        return Stream.of(
                List.of("stats", "%s"), List.of("cfg", "%s", "--function", "main"),
                List.of("rewrite", "%s", "-o", "OUT"), List.of("instrument", "--coverage", "%s", "-o", "OUT"),
                List.of("instrument", "--trace", "%s", "-o", "OUT"), List.of("strip", "%s", "-o", "OUT"),
                List.of("patch", "%s", "-o", "OUT", "--disable", "main"), List.of("coverage", "report", "%s"),
                List.of("coverage", "report", "--map", "%s", run), List.of("coverage", "report", "--binary", "%s", run),
                List.of("trace", "dump", "%s"))
            .flatMap(c -> Stream.of("/dev/zero", "/dev/null", "fifo", "directory").map(k -> Arguments.of(k, c)));
    }

    private static Path run;

    /** @return a real coverage run (of counted.c), for the options that read a file beside a run */
    private static synchronized Path coverageRun() throws Exception {
        if (run == null) {
            Path work = Files.createDirectories(dir.resolve("run"));
            Path bin = work.resolve("counted");
            Tools.output(List.of("gcc", "-O2", "-o", bin.toString(),
                    Path.of("src/test/resources/programs/counted.c").toAbsolutePath().toString()));
            InstrumentedRun r = InstrumentedRun.instrument(bin, new org.ykrw.passes.instrument.CoveragePass(
                    org.ykrw.passes.instrument.CoveragePass.Mode.COVERAGE,
                    org.ykrw.passes.instrument.BlockFilter.ALL), work.resolve("out")).run(java.util.Map.of());
            run = r.files(".ykcov").get(0);
        }
        return run;
    }

    /**
     * A device, a FIFO or a directory where a file is read: one line naming what it is, exit 2, at once
     * (`stats /dev/zero` read for 13 s and died of OutOfMemoryError; a FIFO blocked for ever).
     */
    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("readers")
    void specialFilesAreRefusedAtOnce(String kind, List<String> command) throws Exception {
        Path input = switch (kind) {
            case "fifo" -> {
                Path f = dir.resolve("fifo");
                if (!Files.exists(f)) {
                    Tools.output(List.of("mkfifo", f.toString()));
                }
                yield f;
            }
            case "directory" -> dir;
            default -> Path.of(kind);
        };
        Path output = dir.resolve("special.out");
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toString()));
        for (String a : command) {
            cmd.add(switch (a) {
                case "%s" -> input.toString();
                case "OUT" -> output.toString();
                case "RUN" -> coverageRun().toString();
                default -> a;
            });
        }
        Tools.Result r = Tools.run(cmd, 20);
        String[] lines = r.stderr().strip().split("\n");
        assertEquals(2, r.exit(), cmd + ": exit status; stderr: " + r.stderr());
        assertEquals(1, lines.length, "stderr lines: " + r.stderr());
        String what = switch (kind) {
            case "fifo" -> "is a FIFO";
            case "directory" -> "is a directory";
            default -> "is a character device";
        };
        assertTrue(lines[0].startsWith("ykrw: " + input + ": " + what), lines[0]);
        assertFalse(Files.exists(output), "no output file");
    }

    /**
     * ykrw's rewriting commands refuse their own outputs (instrumenting one twice gave a program that
     * died with a bus error): `instrument --in-place` run twice fails the second time, in one line
     * naming the kept original, and leaves the file as the first run made it; `strip` and `patch` of
     * the output still work, and so does rewriting a file `patch` wrote from an original.
     */
    @org.junit.jupiter.api.Test
    void ykrwOutputsAreNotRewrittenAgain() throws IOException {
        Path bin = dir.resolve("counted");
        Tools.output(List.of("gcc", "-O2", "-o", bin.toString(),
                Path.of("src/test/resources/programs/counted.c").toAbsolutePath().toString()));
        Path patched = dir.resolve("original.patched");
        Tools.Result p0 = YkrwJar.run("patch", bin.toString(), "-o", patched.toString(), "--disable", "tick");
        assertEquals(0, p0.exit(), p0.stderr());

        Tools.Result first = YkrwJar.run("instrument", "--coverage", bin.toString(), "--in-place");
        assertEquals(0, first.exit(), first.stderr());
        byte[] once = Files.readAllBytes(bin);
        for (List<String> again : List.of(List.of("instrument", "--coverage", bin.toString(), "--in-place"),
                List.of("instrument", "--trace", bin.toString(), "-o", bin + ".t"),
                List.of("rewrite", bin.toString(), "-o", bin + ".rw"))) {
            Tools.Result r = YkrwJar.run(again.toArray(String[]::new));
            assertEquals(2, r.exit(), again + ": " + r.stderr());
            assertEquals(1, r.stderr().strip().split("\n").length, r.stderr());
            assertTrue(r.stderr().startsWith("ykrw: " + bin + ": already rewritten by ykrw")
                    && r.stderr().contains(bin + ".orig"), r.stderr());
        }
        assertTrue(Arrays.equals(once, Files.readAllBytes(bin)), "the refused run left the file alone");
        assertFalse(Files.exists(Path.of(bin + ".rw")) || Files.exists(Path.of(bin + ".t")), "no output");

        Path rewritten = dir.resolve("counted.rw");
        assertEquals(0, YkrwJar.run("rewrite", bin + ".orig", "-o", rewritten.toString()).exit());
        Tools.Result twice = YkrwJar.run("rewrite", rewritten.toString(), "-o", rewritten + "2");
        assertEquals(2, twice.exit(), "a null rewrite's output is marked too: " + twice.stderr());

        Tools.Result strip = YkrwJar.run("strip", bin.toString(), "-o", bin + ".stripped");
        assertEquals(0, strip.exit(), strip.stderr());
        Tools.Result patch = YkrwJar.run("patch", bin.toString(), "-o", bin + ".patched", "--disable", "tick");
        assertEquals(0, patch.exit(), patch.stderr());
        Tools.Result fromPatched = YkrwJar.run("rewrite", patched.toString(), "-o", patched + ".rw");
        assertEquals(0, fromPatched.exit(), "patch's output is original code: " + fromPatched.stderr());
    }

    @ParameterizedTest(name = "{2} {0}")
    @MethodSource("cases")
    void oneLineAndExitStatus2(String name, byte[] contents, String command) throws IOException {
        Path input = dir.resolve(name + "-" + command);
        Files.write(input, contents);
        Path output = dir.resolve(name + "-" + command + ".out");
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toString(), command, input.toString()));
        switch (command) {
            case "cfg" -> cmd.addAll(List.of("--function", "main", "-o", output.toString()));
            case "strip", "rewrite" -> cmd.addAll(List.of("-o", output.toString()));
            case "patch" -> cmd.addAll(List.of("-o", output.toString(), "--disable", "main"));
            default -> { }
        }
        Tools.Result r = Tools.run(cmd, 30);
        String[] lines = r.stderr().strip().split("\n");
        assertEquals(2, r.exit(), name + ": exit status; stderr: " + r.stderr());
        assertEquals(1, lines.length, name + ": stderr lines: " + r.stderr());
        assertTrue(lines[0].startsWith("ykrw: "), lines[0]);
        assertFalse(r.stderr().contains("Exception") || r.stderr().contains("\tat "), r.stderr());
        assertFalse(Files.exists(output), "no output file for " + name);
        assertEquals(Arrays.hashCode(contents), Arrays.hashCode(Files.readAllBytes(input)), "input unchanged");
    }
}
