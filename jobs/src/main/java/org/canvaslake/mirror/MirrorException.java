package org.canvaslake.mirror;

/** A load into the SQL mirror failed; the message names the table and what to check. Nothing was committed. */
public class MirrorException extends RuntimeException {
    public MirrorException(String message, Throwable cause) {
        super(message, cause);
    }
}
