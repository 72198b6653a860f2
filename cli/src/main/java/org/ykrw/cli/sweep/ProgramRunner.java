package org.ykrw.cli.sweep;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Runs a program the way the sweep compares it: standard input from /dev/null, the caller's
 * environment, a given working directory, argv[0] the program's full path, output to files (a pipe
 * that nobody reads would stall a chatty program), a time limit after which the process and its
 * children are killed.
 */
public final class ProgramRunner {
    /** Bytes of each stream kept for comparison; --help of the largest programs is far smaller. */
    private static final int MAX_OUTPUT = 1 << 20;

    private final Duration timeout;

    /** @param timeout how long one run may take */
    public ProgramRunner(Duration timeout) {
        this.timeout = timeout;
    }

    /**
     * @param program the executable
     * @param args arguments after argv[0]
     * @param cwd working directory (also where the output files go)
     * @return how it ended, with {@code program}'s directory written as {@code <dir>} in its output
     * @throws IOException when the program cannot be started at all
     */
    public RunResult run(Path program, List<String> args, Path cwd) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(program.toString());
        command.addAll(args);
        Path out = Files.createTempFile(cwd, ".ykrw-sweep", ".out");
        Path err = Files.createTempFile(cwd, ".ykrw-sweep", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            // Run files go to the working directory, as without these; named, it is no surprise to the
            // runtime, which otherwise says on stderr where they went (the program lies elsewhere).
            pb.environment().put("YKRW_COVERAGE_DIR", cwd.toString());
            pb.environment().put("YKRW_TRACE_DIR", cwd.toString());
            Process p = start(pb);
            boolean finished;
            try {
                finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                kill(p);
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            if (!finished) {
                kill(p);
            }
            String dir = program.getParent().toString();
            return new RunResult(finished ? p.exitValue() : -1, !finished, normalise(read(out), dir, p.pid()),
                    normalise(read(err), dir, p.pid()));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /**
     * Starts the process, retrying while exec fails with ETXTBSY: a program file just written by one
     * worker can still be open for writing in a child another worker is forking at that moment (the
     * descriptor is inherited until the child's exec closes it), and Linux refuses to execute a file
     * open for writing.
     */
    private static Process start(ProcessBuilder pb) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                return pb.start();
            } catch (IOException e) {
                if (attempt >= 20 || e.getMessage() == null || !e.getMessage().contains("error=26")) {
                    throw e;
                }
                try {
                    Thread.sleep(50L * (attempt + 1));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static void kill(Process p) {
        // Children first: a killed shell-like parent would leave them running and holding the files.
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(MAX_OUTPUT);
        }
    }

    /** A GLib log line's time stamp ("08:51:01.103"), printed by every GTK/GLib program's warnings. */
    private static final Pattern LOG_TIME = Pattern.compile("\\b\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\b");

    /**
     * Makes the two copies' output comparable: the program's directory becomes {@code <dir>}, its process
     * id {@code <pid>} (GLib warnings start with "(name:PID)"), GLib log time stamps {@code <time>}.
     */
    static byte[] normalise(byte[] output, String dir, long pid) {
        // ISO-8859-1 maps bytes to chars one to one, so arbitrary (non-UTF-8) output survives the round trip.
        String s = new String(output, StandardCharsets.ISO_8859_1);
        String d = new String(dir.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        s = s.replace(d, "<dir>").replaceAll("\\b" + pid + "\\b", "<pid>");
        return LOG_TIME.matcher(s).replaceAll("<time>").getBytes(StandardCharsets.ISO_8859_1);
    }
}
