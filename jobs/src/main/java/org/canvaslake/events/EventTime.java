package org.canvaslake.events;

import java.time.Instant;
import java.time.LocalDate;

/**
 * Parses every timestamp shape Canvas live events use into UTC microseconds since the epoch:
 * ISO-8601 with or without fractional seconds, with {@code Z}, an offset ({@code -06:00}, {@code -0600}) or no zone
 * (taken as UTC); the Ruby form {@code 2019-11-05 07:38:00 -0800} of job-generated events; a bare date; and epoch
 * seconds or milliseconds (SQS {@code SentTimestamp}). Anything else, such as the published
 * {@code "019-11-01T19:11:01.163Z"}, is not guessed at: {@link #UNPARSED} and the caller keeps the original text.
 *
 * <p>Hand-written rather than {@code DateTimeFormatter} because it runs for several fields of every event.
 */
public final class EventTime {

    public static final long UNPARSED = Long.MIN_VALUE;

    private static final long MICROS_PER_SECOND = 1_000_000L;
    private static final long SECONDS_PER_DAY = 86_400L;

    private EventTime() {
    }

    /** The instant, or null when the text is not one of the known shapes. */
    public static Instant parse(String text) {
        long micros = parseMicros(text);
        return micros == UNPARSED ? null : toInstant(micros);
    }

    public static Instant toInstant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, MICROS_PER_SECOND),
                Math.floorMod(micros, MICROS_PER_SECOND) * 1000L);
    }

    /** Microseconds since the epoch (UTC), or {@link #UNPARSED}. */
    public static long parseMicros(String text) {
        if (text == null) {
            return UNPARSED;
        }
        String s = text.strip();
        int n = s.length();
        if (n == 0) {
            return UNPARSED;
        }
        if (allDigits(s, 0, n)) {
            if (n == 13) {
                return Long.parseLong(s) * 1000L;
            }
            if (n == 10) {
                return Long.parseLong(s) * MICROS_PER_SECOND;
            }
            return UNPARSED;
        }
        if (n < 10 || s.charAt(4) != '-' || s.charAt(7) != '-' || !allDigits(s, 0, 4) || !allDigits(s, 5, 7)
                || !allDigits(s, 8, 10)) {
            return UNPARSED;
        }
        int year = number(s, 0, 4);
        int month = number(s, 5, 7);
        int day = number(s, 8, 10);
        if (month < 1 || month > 12 || day < 1 || day > LocalDate.of(year, month, 1).lengthOfMonth()) {
            return UNPARSED;
        }
        long epochDay = LocalDate.of(year, month, day).toEpochDay();
        if (n == 10) {
            return epochDay * SECONDS_PER_DAY * MICROS_PER_SECOND;
        }
        char sep = s.charAt(10);
        if ((sep != 'T' && sep != 't' && sep != ' ') || n < 16 || s.charAt(13) != ':' || !allDigits(s, 11, 13)
                || !allDigits(s, 14, 16)) {
            return UNPARSED;
        }
        int hour = number(s, 11, 13);
        int minute = number(s, 14, 16);
        int second = 0;
        int i = 16;
        if (i < n && s.charAt(i) == ':') {
            if (i + 3 > n || !allDigits(s, i + 1, i + 3)) {
                return UNPARSED;
            }
            second = number(s, i + 1, i + 3);
            i += 3;
        }
        if (hour > 23 || minute > 59 || second > 60) {
            return UNPARSED;
        }
        long fractionMicros = 0;
        if (i < n && (s.charAt(i) == '.' || s.charAt(i) == ',')) {
            int start = ++i;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 9) {
                return UNPARSED;
            }
            long value = Long.parseLong(s, start, i, 10);
            for (int d = digits; d < 6; d++) {
                value *= 10;
            }
            for (int d = digits; d > 6; d--) {
                value /= 10;
            }
            fractionMicros = value;
        }
        if (i < n && s.charAt(i) == ' ') {
            i++;
        }
        long offsetSeconds;
        if (i == n) {
            offsetSeconds = 0;
        } else {
            offsetSeconds = offset(s, i);
            if (offsetSeconds == Long.MIN_VALUE) {
                return UNPARSED;
            }
        }
        // a leap second (60) is folded into the next minute, as java.time does
        long secondOfDay = hour * 3600L + minute * 60L + second;
        return (epochDay * SECONDS_PER_DAY + secondOfDay - offsetSeconds) * MICROS_PER_SECOND + fractionMicros;
    }

    /** Seconds east of UTC for the zone text starting at {@code i}, or Long.MIN_VALUE. */
    private static long offset(String s, int i) {
        int n = s.length();
        String rest = s.substring(i);
        if (rest.equals("Z") || rest.equals("z") || rest.equals("UTC") || rest.equals("GMT")) {
            return 0;
        }
        char sign = s.charAt(i);
        if (sign != '+' && sign != '-') {
            return Long.MIN_VALUE;
        }
        int j = i + 1;
        int hours;
        int minutes = 0;
        if (j + 2 > n || !allDigits(s, j, j + 2)) {
            return Long.MIN_VALUE;
        }
        hours = number(s, j, j + 2);
        j += 2;
        if (j < n) {
            if (s.charAt(j) == ':') {
                j++;
            }
            if (j + 2 != n || !allDigits(s, j, j + 2)) {
                return Long.MIN_VALUE;
            }
            minutes = number(s, j, j + 2);
        }
        if (hours > 18 || minutes > 59) {
            return Long.MIN_VALUE;
        }
        long seconds = hours * 3600L + minutes * 60L;
        return sign == '-' ? -seconds : seconds;
    }

    private static boolean allDigits(String s, int from, int to) {
        if (to > s.length()) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (!isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static int number(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            v = v * 10 + (s.charAt(i) - '0');
        }
        return v;
    }
}
