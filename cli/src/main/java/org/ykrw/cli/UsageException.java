package org.ykrw.cli;

import org.ykrw.core.diag.YkrwException;

/** A command line that cannot mean anything (a missing -o, two options that exclude each other): exit 64. */
final class UsageException extends YkrwException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }

    @Override
    public int exitStatus() {
        return Main.EXIT_USAGE;
    }
}
