package org.ykrw.testsuite;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs processes for the end-to-end tests, with a time limit and captured output. */
public final class Exec {
    private Exec() {
    }

    /** Exit status, stdout and stderr of a finished process. */
    public record Result(int exit, String stdout, String stderr) {
    }

    /** Runs a command with stdin from /dev/null; fails the test when it does not end within {@code seconds}. */
    public static Result run(List<String> command, int seconds) {
        try {
            Path out = Files.createTempFile("ykrw-exec", ".out");
            Path err = Files.createTempFile("ykrw-exec", ".err");
            try {
                Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(new File("/dev/null")).start();
                if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("timed out after " + seconds + " s: " + command);
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1),
                        Files.readString(err, StandardCharsets.ISO_8859_1));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Runs a command that must succeed. */
    public static Result check(List<String> command) {
        Result r = run(command, 300);
        if (r.exit() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + r.exit() + "): " + r.stderr());
        }
        return r;
    }
}
