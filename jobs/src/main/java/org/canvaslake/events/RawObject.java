package org.canvaslake.events;

import java.io.Serializable;

/** One raw object to compact: its full path (URI), size in bytes and last modification time. */
public record RawObject(String path, long size, long modifiedMillis) implements Serializable {
}
