package org.ykrw.core.diag;

/**
 * A coverage run, trace run or block map cannot be read: bad magic, a header field out of range, a
 * table that runs past the end of the file, broken JSON or zlib data. The message names the file,
 * the field and the values; the CLI prints it as one line and exits with status 2.
 */
public class MalformedRunFileException extends YkrwException {
    private static final long serialVersionUID = 1L;

    private final String file;

    /**
     * @param file the file being read, as the user named it
     * @param problem one line naming the offending field and its value
     */
    public MalformedRunFileException(String file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    /** @return the file being read */
    public String file() {
        return file;
    }
}
