package org.ykrw.core.emit;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.ykrw.core.diag.YkrwException;

/**
 * Writes an output file all or nothing: a temporary file in the same directory, flushed to disk,
 * given the input's permissions, then renamed over the destination. On any failure the temporary
 * file is removed and a one-line {@link YkrwException} says why; the destination is untouched.
 */
public final class OutputFile {
    private OutputFile() {
    }

    /**
     * @param out destination
     * @param bytes contents
     * @param permissionsFrom file whose POSIX permissions the output gets (the input), or null
     */
    public static void writeAtomically(Path out, byte[] bytes, Path permissionsFrom) {
        Path abs = out.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new YkrwException(out + ": directory " + dir + " does not exist");
        }
        if (Files.isDirectory(abs)) {
            throw new YkrwException(out + ": is a directory");
        }
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".ykrw-tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            if (permissionsFrom != null) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(permissionsFrom);
                Files.setPosixFilePermissions(tmp, perms);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new YkrwException(out + ": cannot write: " + describe(e), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original error is the one worth reporting
                }
            }
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (m != null && m.contains("No space left")) {
            return "no space left on device";
        }
        return m == null ? e.getClass().getSimpleName() : m.replace('\n', ' ');
    }
}
