package org.ykrw.testsuite;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.ykrw.core.RewriteOptions;
import org.ykrw.core.Rewriter;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.pass.Pass;

/**
 * Instruments a binary in-process, runs the result in a directory of its own with the run-file
 * directories pointed there, and reads back what the runtime wrote (an independent reader of
 * docs/FORMATS.md, so the tests do not trust ykrw's own).
 */
final class InstrumentedRun {
    final Path binary;
    final Path dir;
    final Rewriter.Result rewrite;
    int exit;
    String stdout;
    String stderr;

    private InstrumentedRun(Path binary, Path dir, Rewriter.Result rewrite) {
        this.binary = binary;
        this.dir = dir;
        this.rewrite = rewrite;
    }

    /** Instruments {@code input} with {@code pass} (null: the null rewrite) into {@code dir}. */
    static InstrumentedRun instrument(Path input, Pass pass, Path dir) throws IOException {
        return instrument(input, pass, dir, false);
    }

    /**
     * Instruments {@code input} with {@code pass} into {@code dir}, in strict mode when asked (the old
     * code of moved functions filled with int3: a run that reaches it dies of SIGTRAP, exit 133, with
     * the runtime's "ykrw runtime: strict: ..." line on stderr).
     */
    static InstrumentedRun instrument(Path input, Pass pass, Path dir, boolean strict) throws IOException {
        return instrument(input, pass == null ? List.of() : List.of(pass), dir, strict);
    }

    /** Instruments {@code input} with {@code passes}, in order, into {@code dir} (strict mode when asked). */
    static InstrumentedRun instrument(Path input, List<Pass> passes, Path dir, boolean strict) throws IOException {
        return instrument(input, passes, dir, RewriteOptions.defaults().withStrict(strict));
    }

    /** Instruments {@code input} with {@code passes}, in order, into {@code dir}, with these options. */
    static InstrumentedRun instrument(Path input, List<Pass> passes, Path dir, RewriteOptions options) throws IOException {
        Files.createDirectories(dir);
        Rewriter.Result r = Rewriter.rewrite(ElfFile.read(input), LiftOptions.defaults(), passes, options);
        Path out = dir.resolve(input.getFileName());
        Files.write(out, r.output());
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new InstrumentedRun(out, dir, r);
    }

    /** Runs the instrumented binary with extra environment variables. */
    InstrumentedRun run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(binary.toString()));
        cmd.addAll(List.of(args));
        return runCommand(env, cmd);
    }

    /**
     * Runs the instrumented binary without address randomization, for tests that compare the counts of
     * two runs: a static libc's string functions take their paths by the alignment of the strings on the
     * stack, so two randomized runs of one program can count a libc block differently. The stack then
     * lies where the environment and arguments put it, so the copies compared must sit in directories
     * whose paths have the same length (the run-file directories are in the environment).
     */
    InstrumentedRun runWithoutRandomization(Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("setarch", "x86_64", "-R", binary.toString()));
        cmd.addAll(List.of(args));
        return runCommand(env, cmd);
    }

    /**
     * Runs a command in the run's directory with the run-file directories pointed there and extra
     * environment variables (a shell that ends by exec'ing the binary, another user's setpriv ...).
     */
    InstrumentedRun runCommand(Map<String, String> env, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().put("YKRW_COVERAGE_DIR", dir.toString());
        pb.environment().put("YKRW_TRACE_DIR", dir.toString());
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(binary + " timed out");
        }
        exit = p.exitValue();
        stdout = Files.readString(out, StandardCharsets.ISO_8859_1);
        stderr = Files.readString(err, StandardCharsets.ISO_8859_1);
        return this;
    }

    /** @return the run files whose names end in {@code suffix} */
    List<Path> files(String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    /** A .ykcov file: its counters as numbers. */
    record Coverage(int width, long mapId, long[] counters, long[][] hooks) {
        static Coverage read(Path f) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[8];
            b.get(magic);
            if (!new String(magic, StandardCharsets.US_ASCII).equals("YKRWCOV1")) {
                throw new IllegalStateException(f + ": bad magic");
            }
            int header = b.getInt(8);
            int width = b.getInt(12);
            int n = (int) b.getLong(16);
            long[] counters = new long[n];
            for (int i = 0; i < n; i++) {
                counters[i] = width == 1 ? b.get(header + i) & 0xFF : b.getLong(header + 8 * i);
            }
            int k = b.getInt(44);
            int at = (header + n * width + 7) & ~7;
            long[][] hooks = new long[k][];
            for (int i = 0; i < k; i++) {
                hooks[i] = new long[] {b.getLong(at + 24 * i), b.getLong(at + 24 * i + 8), b.getLong(at + 24 * i + 16)};
            }
            return new Coverage(width, b.getLong(32), counters, hooks);
        }
    }

    /**
     * A trace file: (function, block) records in order, thread after thread. Its chunks are decoded by
     * ykrw's reader against the binary's successor table; {@link RecorderOracleTest} checks that
     * reader against a tracer that logs every call.
     */
    record Trace(long reserved, int[][] records) {
        static Trace read(Path f, Path binary) throws IOException {
            org.ykrw.coverage.TraceRun run = org.ykrw.coverage.TraceRun.open(f);
            ElfFile elf = ElfFile.read(binary);
            org.ykrw.core.blockmap.BlockMap map = org.ykrw.coverage.BlockMapReader.traceMapFromElf(elf);
            List<int[]> records = new ArrayList<>();
            run.forEachProbe(org.ykrw.coverage.TraceTable.fromElf(elf), -1, -1, (thread, i, probe) -> {
                org.ykrw.core.blockmap.BlockMap.MappedBlock b = map.blockOfProbe(probe);
                records.add(new int[] {b.functionIndex(), b.index()});
            });
            return new Trace(run.reserved(), records.toArray(int[][]::new));
        }
    }
}
