package org.ykrw.core.testutil;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs external tools (readelf, objdump, gcc) from tests and returns their output. */
public final class Tools {
    private Tools() {
    }

    /** Output and exit status of a finished process. */
    public record Result(int exit, String stdout, String stderr) {
    }

    /**
     * @param command program and arguments
     * @return the result; stdout is read from a temp file so huge outputs cannot block the pipe
     */
    public static Result run(List<String> command) {
        return run(command, 300);
    }

    /**
     * @param command program and arguments
     * @param seconds time limit; the test fails when the process runs longer
     * @return the result
     */
    public static Result run(List<String> command, int seconds) {
        try {
            Path out = Files.createTempFile("ykrw-tool", ".out");
            Path err = Files.createTempFile("ykrw-tool", ".err");
            try {
                Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("timed out: " + command);
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

    /** @return stdout of a command that must succeed */
    public static String output(String... command) {
        return output(List.of(command));
    }

    /** @return stdout of a command that must succeed */
    public static String output(List<String> command) {
        Result r = run(command);
        if (r.exit() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (" + r.exit() + "): " + r.stderr());
        }
        return r.stdout();
    }

    /** A section as readelf prints it: name, address, file offset, size. */
    public record SectionInfo(String name, long address, long offset, long size) {
    }

    /** @return the named section of a file according to {@code readelf -S -W} */
    public static SectionInfo section(Path file, String name) {
        for (String line : output("readelf", "-S", "-W", file.toString()).split("\n")) {
            String l = line.replaceFirst("^\\s*\\[\\s*\\d+\\]\\s*", "").trim();
            String[] f = l.split("\\s+");
            if (f.length > 5 && f[0].equals(name)) {
                return new SectionInfo(name, Long.parseUnsignedLong(f[2], 16), Long.parseLong(f[3], 16),
                        Long.parseLong(f[4], 16));
            }
        }
        throw new AssertionError("no section " + name + " in " + file);
    }
}
