package org.ykrw.core.emit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Segment;
import org.ykrw.core.testutil.Tools;
import org.ykrw.core.x86.encode.CodeWriter;

/**
 * Real programs keep working when the builder adds segments and the entry point goes through new
 * code: a jump in a new executable segment, plus a 1 MiB zero-filled writable segment. The program
 * header table moves; static binaries find their PT_TLS through it, so they test that AT_PHDR is right.
 */
class ElfImageBuilderTest {
    private static final String PROGRAM = """
            #include <stdio.h>
            #include <pthread.h>
            static __thread int counter = 41;
            static void *bump(void *arg) { counter += 2; return (void *)(long)counter; }
            int main(int argc, char **argv) {
                pthread_t t; void *r;
                pthread_create(&t, 0, bump, 0); pthread_join(t, &r);
                printf("tls %d thread %ld args %d\\n", ++counter, (long)r, argc);
                return 3;
            }
            """;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"pie", "nopie", "static", "static-pie", "/bin/true", "/usr/bin/ls"})
    void entryThroughNewSegmentBehavesTheSame(String kind) throws Exception {
        Path bin;
        List<String> args = new ArrayList<>();
        if (kind.startsWith("/")) {
            bin = Path.of(kind);
            if (kind.endsWith("ls")) {
                args.addAll(List.of("-l", "--time-style=+%s", "/usr/share/common-licenses"));
            }
        } else {
            Path src = dir.resolve("p.c");
            Files.writeString(src, PROGRAM);
            bin = dir.resolve("p-" + kind);
            List<String> cc = new ArrayList<>(List.of("gcc", "-O2", "-pthread", "-o", bin.toString(), src.toString()));
            switch (kind) {
                case "pie" -> cc.add("-pie");
                case "nopie" -> cc.addAll(List.of("-no-pie", "-fno-pie"));
                case "static" -> cc.add("-static");
                default -> cc.addAll(List.of("-static-pie", "-fPIE"));
            }
            Tools.output(cc);
        }
        ElfFile elf = ElfFile.read(bin);
        ElfImageBuilder b = new ElfImageBuilder(elf);
        // the code's segment is reserved first and filled after the one behind it was added
        ElfImageBuilder.SegmentHandle text = b.reserveSegment(".ykrw.text", Segment.PF_R | Segment.PF_X, 5);
        long code = text.address();
        b.addSegment(".ykrw.bss", Segment.PF_R | Segment.PF_W, new byte[0], 1 << 20);
        byte[] jump = CodeWriter.at(code).jmp(elf.entry()).toByteArray();
        text.fill(jump);
        b.setEntry(code);
        Path out = dir.resolve("out-" + bin.getFileName());
        OutputFile.writeAtomically(out, b.build(), bin);

        List<String> before = new ArrayList<>(List.of(bin.toString()));
        before.addAll(args);
        List<String> after = new ArrayList<>(List.of(out.toString()));
        after.addAll(args);
        Tools.Result expected = Tools.run(before, 30);
        Tools.Result got = Tools.run(after, 30);
        assertEquals(expected.exit(), got.exit(), "exit status; stderr " + got.stderr());
        assertEquals(expected.stdout(), got.stdout());

        ElfFile rewritten = ElfFile.read(out);
        assertEquals(code, rewritten.entry());
        assertTrue(rewritten.segments().stream().anyMatch(s -> s.isLoad() && s.vaddr() == code && s.isExecutable()));
        String readelf = Tools.run(List.of("readelf", "-a", "-W", out.toString())).stderr()
                + Tools.run(List.of("readelf", "-a", "-W", out.toString())).stdout();
        assertFalse(readelf.contains("Warning") || readelf.contains("Error"),
                readelf.lines().filter(l -> l.contains("Warning") || l.contains("Error")).toList().toString());
    }
}
