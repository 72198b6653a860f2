package org.ykrw.core.diag;

/**
 * The input is not a well-formed ELF file: bad magic, a header field out of range, a table that
 * runs past the end of the file. Each check that throws this names the field and the values.
 */
public class MalformedElfException extends YkrwException {
    private static final long serialVersionUID = 1L;

    /** @param message one line naming the offending field and its value */
    public MalformedElfException(String message) {
        super(message);
    }
}
