package org.ykrw.core.diag;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The one check every reader of an input file makes before opening it: the path names a regular file
 * (a symbolic link to one is fine). Reading a directory fails oddly, {@code /dev/zero} never ends (it
 * filled the heap: OutOfMemoryError after 13 s), a FIFO blocks until someone writes to it; each is
 * refused at once with one line saying what the path is.
 */
public final class InputFile {
    /** File type bits of st_mode. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFIFO = 0010000;

    private InputFile() {
    }

    /**
     * @param path an input the caller is about to open
     * @throws YkrwException when it is missing or is not a regular file
     */
    public static void requireRegular(Path path) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new YkrwException(path + ": no such file");
        } catch (IOException e) {
            throw new YkrwException(path + ": cannot read: " + e.getMessage(), e);
        }
        if (attributes.isRegularFile()) {
            return;
        }
        if (attributes.isDirectory()) {
            throw new YkrwException(path + ": is a directory");
        }
        throw new YkrwException(path + ": is " + kind(path) + ", not a regular file");
    }

    /** @return what a path that is neither a regular file nor a directory is, as a phrase */
    private static String kind(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode");
            return switch (mode & S_IFMT) {
                case S_IFCHR -> "a character device";
                case S_IFBLK -> "a block device";
                case S_IFIFO -> "a FIFO";
                case S_IFSOCK -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return "a special file";  // the "unix" view is missing elsewhere than on Linux-like systems
        }
    }
}
