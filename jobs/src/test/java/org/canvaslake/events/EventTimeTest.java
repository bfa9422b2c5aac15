package org.canvaslake.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventTimeTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // ISO with milliseconds and Z (most events)
            "2019-11-01T00:09:07.150Z       | 2019-11-01T00:09:07.150Z",
            // without milliseconds (learning_outcome_result_created, enrollment_created)
            "2018-10-09T21:07:33Z           | 2018-10-09T21:07:33Z",
            // an offset with a colon, and without
            "2019-11-05T07:38:00.218-06:00  | 2019-11-05T13:38:00.218Z",
            "2019-11-05T07:38:00-0600       | 2019-11-05T13:38:00Z",
            "2019-11-05T07:38:00+05:30      | 2019-11-05T02:08:00Z",
            // Ruby style of job-generated events (course_updated, enrollment_state_created)
            "2019-11-05 07:38:00 -0800      | 2019-11-05T15:38:00Z",
            "2019-10-05 05:38:00 -0800      | 2019-10-05T13:38:00Z",
            "2018-10-09 21:29:57 +0000      | 2018-10-09T21:29:57Z",
            "2018-10-09 21:29:57 UTC        | 2018-10-09T21:29:57Z",
            // no zone at all: UTC
            "2019-11-01T19:11:01.335        | 2019-11-01T19:11:01.335Z",
            // more than millisecond precision is kept to the microsecond
            "2019-11-01T19:11:01.123456789Z | 2019-11-01T19:11:01.123456Z",
            "2019-11-01T19:11:01.5Z         | 2019-11-01T19:11:01.500Z",
            // a date alone; epoch milliseconds and seconds (SQS SentTimestamp)
            "2019-08-10                     | 2019-08-10T00:00:00Z",
            "1573495200123                  | 2019-11-11T18:00:00.123Z",
            "1573495200                     | 2019-11-11T18:00:00Z",
            "2020-02-29T23:59:59.999Z       | 2020-02-29T23:59:59.999Z"})
    void parsesEveryDocumentedShapeToUtc(String text, String expected) {
        assertThat(EventTime.parse(text)).isEqualTo(Instant.parse(expected));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {
            // published malformed value (user_updated.updated_at)
            "019-11-01T19:11:01.163Z",
            "2019-13-01T00:00:00Z", "2019-02-29T00:00:00Z", "2019-11-01T24:00:00Z", "2019-11-01T19:61:00Z",
            "2019-11-01T19:11:01.Z", "2019-11-01T19:11:01Zjunk", "2019-11-01 19:11:01 PST", "yesterday", "",
            "2019-11-01T19:11:01+25:00", "12345"})
    void leavesWhatItCannotReadUnparsed(String text) {
        assertThat(EventTime.parseMicros(text)).isEqualTo(EventTime.UNPARSED);
        assertThat(EventTime.parse(text)).isNull();
    }

    @Test
    void nullIsUnparsed() {
        assertThat(EventTime.parse(null)).isNull();
    }
}
