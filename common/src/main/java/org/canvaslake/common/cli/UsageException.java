package org.canvaslake.common.cli;

/** The command line or config file is wrong; the message says what and how to fix it. Exit code 2. */
public class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
