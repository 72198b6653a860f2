package org.ykrw.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ykrw.core.diag.YkrwException;
import picocli.CommandLine;

/**
 * What an output option ({@code -o}, {@code --map}) may name: a file, or {@code -} for standard
 * output. A directory is a usage error that says so ({@link Converter}). Standard output gets the whole result in one
 * write once it is complete, so a failed command writes nothing there either (files are written to a
 * temporary file and renamed, {@code OutputFile}).
 */
final class OutputPath {
    /** The name that means standard output. */
    static final String STDOUT = "-";

    private OutputPath() {
    }

    /** @return true when {@code p} is {@code -} */
    static boolean isStdout(Path p) {
        return p != null && p.toString().equals(STDOUT);
    }

    /** @return how messages name the output: the path, or "standard output" */
    static String describe(Path p) {
        return isStdout(p) ? "standard output" : p.toString();
    }

    /**
     * The converter of every output option: refuses a directory where a file's name is wanted, in one
     * line (exit 64), at parse time, where the argument is still as typed ({@code Path} drops a
     * trailing slash, which is how {@code -o out/} says "a directory").
     */
    static final class Converter implements CommandLine.ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            if (value.equals(STDOUT)) {
                return Path.of(STDOUT);
            }
            if (value.endsWith("/")) {
                throw new CommandLine.TypeConversionException(value + " ends with '/', a directory's name: give the name of"
                        + " the file to write");
            }
            Path p = Path.of(value);
            if (Files.isDirectory(p)) {
                throw new CommandLine.TypeConversionException(value + " is a directory: give the name of the file to write"
                        + " (such as " + p.resolve("NAME") + ")");
            }
            return p;
        }
    }

    /**
     * Refuses {@code -o -} for a binary when standard output is a terminal (what it would print is no
     * use there, and may upset the terminal), as gzip does.
     *
     * @param option the option, for the message
     */
    static void refuseBinaryToTerminal(String option) {
        if (Terminal.is(Terminal.STDOUT)) {
            throw new UsageException(option + " - writes a binary to standard output, which is a terminal:"
                    + " redirect it (> FILE, | CMD) or give " + option + " FILE");
        }
    }

    /**
     * Writes bytes to standard output (not through System.out, which hides write errors).
     *
     * @param bytes the complete output
     */
    static void writeStdout(byte[] bytes) {
        System.out.flush();
        try {
            FileOutputStream out = new FileOutputStream(FileDescriptor.out);
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new YkrwException("cannot write to standard output: " + e.getMessage(), e);
        }
    }
}
