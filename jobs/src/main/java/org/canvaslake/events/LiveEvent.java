package org.canvaslake.events;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One distinct live event as the job understands it, in either format: the columns of {@code events.live_stream}
 * plus the parsed event for the per-type table. Ids are strings as Canvas sent them (a Caliper URN reduced to its id).
 *
 * @param eventTimeMicros UTC micros, or {@link EventTime#UNPARSED} (then {@code eventTimeRaw} is the only record)
 * @param envelope        the Caliper envelope (sensor, sendTime, ...) or null
 * @param event           the Canvas {metadata, body} document or the Caliper event
 */
public record LiveEvent(String eventId, String eventName, String format, long eventTimeMicros, String eventTimeRaw,
                        String userId, String contextType, String contextId, String courseId, String assignmentId,
                        String rootAccountId, String eventJson, JsonNode envelope, JsonNode event) {

    public static final String CANVAS = "canvas";
    public static final String CALIPER = "caliper";

    public boolean timeParsed() {
        return eventTimeMicros != EventTime.UNPARSED;
    }
}
