package org.ykrw.core.diag;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one check every reader of a user's file makes before opening it: it must be a regular file.
 * A device has no size and no end (/dev/zero given as a map filled the heap), a FIFO blocks the open
 * until someone writes to it (ykrw hung on one named like a run file), and a directory cannot be read.
 */
public final class InputFiles {
    private InputFiles() {
    }

    /**
     * @param path a file ykrw is asked to read
     * @throws YkrwException (one line, exit status 2) when it is missing, a directory, or not a regular file
     */
    public static void requireRegular(Path path) {
        if (Files.isRegularFile(path)) {
            return;
        }
        if (Files.isDirectory(path)) {
            throw new YkrwException(path + ": is a directory");
        }
        if (!Files.exists(path)) {
            throw new YkrwException(path + ": no such file");
        }
        throw new YkrwException(path + ": not a regular file (a device, FIFO or socket)");
    }
}
