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
