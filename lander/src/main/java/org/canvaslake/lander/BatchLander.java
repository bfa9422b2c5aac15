package org.canvaslake.lander;

import java.io.IOException;
import java.util.List;

/**
 * Lands one batch of messages as one raw object. Used by the Lambda handler, the drain command and the demo, so
 * every path into the lake writes the same layout.
 */
public final class BatchLander {

    private final ObjectStore store;

    public BatchLander(ObjectStore store) {
        this.store = store;
    }

    /** Writes the batch; returns the object key. Throws when the write failed (nothing may be acknowledged). */
    public String land(List<LiveEventMessage> batch) throws IOException {
        String key = RawEnvelope.key(batch);
        store.put(key, RawEnvelope.gzip(batch));
        return key;
    }

    public ObjectStore store() {
        return store;
    }
}
