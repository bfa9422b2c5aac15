package org.canvaslake.events;

/** Why a record went to {@code events._quarantine} (the {@code reason} column). */
public final class Quarantine {

    /** The record is not valid JSON (truncated, cut in the middle, garbage). */
    public static final String BROKEN_JSON = "broken_json";
    /** The record is valid JSON but the message body inside it is not. */
    public static final String BROKEN_BODY = "broken_body";
    /** A message without a body, or with an empty one. */
    public static final String EMPTY_BODY = "empty_body";
    /** Valid JSON that is neither a Canvas event, a Caliper envelope or event, nor a known message wrapper. */
    public static final String UNKNOWN_SHAPE = "unknown_shape";
    /** A Caliper event without the {@code event_name} message attribute, or a Canvas event without metadata.event_name. */
    public static final String NO_EVENT_NAME = "no_event_name";
    /** An event name that cannot name a table (control characters, hundreds of characters, ...). */
    public static final String BAD_EVENT_NAME = "bad_event_name";

    private Quarantine() {
    }
}
