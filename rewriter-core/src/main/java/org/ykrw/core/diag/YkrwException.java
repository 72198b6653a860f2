package org.ykrw.core.diag;

/**
 * Base of every error ykrw reports to a user. The message is one line that names what is wrong
 * with the input (no stack trace is shown unless the user asks for it with --debug).
 */
public class YkrwException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message one line, no trailing period needed */
    public YkrwException(String message) {
        super(message);
    }

    /**
     * @param message one line
     * @param cause the lower-level failure, kept for --debug
     */
    public YkrwException(String message, Throwable cause) {
        super(message, cause);
    }

    /** @return the process exit status the CLI uses for this error (2: bad or unsupported input) */
    public int exitStatus() {
        return 2;
    }
}
