package org.ykrw.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.ykrw.core.emit.OutputFile;

/**
 * Writes a report to {@code -o FILE} (atomically, readable by everyone, like any document) or to
 * stdout (no {@code -o}, or {@code -o -}).
 */
final class ReportOutput {
    private ReportOutput() {
    }

    /**
     * @param output the file, or null or {@code -} for stdout
     * @param bytes the report
     */
    static void write(Path output, byte[] bytes) {
        if (output == null || OutputPath.isStdout(output)) {
            OutputPath.writeStdout(bytes);
            return;
        }
        OutputFile.writeAtomically(output, bytes, null);
        try {
            // The temporary file was created private (0600); a report is not a secret.
            Files.setPosixFilePermissions(output, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep what it gave
        }
    }
}
