package org.ykrw.core.diag;

/**
 * The input is a valid file that ykrw does not handle: a 32-bit ELF, another machine, an object
 * file, a binary the analysis cannot rewrite safely. The message says which and why.
 */
public class UnsupportedInputException extends YkrwException {
    private static final long serialVersionUID = 1L;

    /** @param message one line with the reason */
    public UnsupportedInputException(String message) {
        super(message);
    }
}
