package org.ykrw.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.ykrw.core.emit.OutputFile;

/** Writes a report to {@code -o FILE} (atomically, readable by everyone, like any document) or to stdout. */
final class ReportOutput {
    private ReportOutput() {
    }

    /**
     * @param output the file, or null for stdout
     * @param bytes the report
     */
    static void write(Path output, byte[] bytes) {
        if (output == null) {
            System.out.write(bytes, 0, bytes.length);
            System.out.flush();
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
