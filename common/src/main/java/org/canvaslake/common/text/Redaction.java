package org.canvaslake.common.text;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes credentials from text before it reaches a log, a report or the lake. Canvas puts {@code access_token=}
 * in live-event URLs, and {@code verifier=} in file download URLs (it opens the file to anyone holding the link);
 * a URL can carry another, URL-encoded, in a parameter ({@code return_to=...%3Faccess_token%3D...}); presigned
 * download URLs carry AWS signatures; calendar feeds carry private feed tokens.
 */
public final class Redaction {

    public static final String MASK = "REDACTED";

    // query parameters whose value is a credential, in any URL inside any text
    private static final String[] SECRET_PARAM_NAMES = {"access_token", "token", "api_key", "apikey", "client_secret",
            "password", "secret", "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "Signature", "sig",
            "refresh_token", "id_token", "verifier"};
    private static final Pattern SECRET_PARAMS = Pattern.compile(
            "(?i)((?:" + String.join("|", SECRET_PARAM_NAMES) + ")=)([^&#\\s\"'<>\\\\]+)");
    // the same inside a URL-encoded URL (once or twice encoded): the value ends at the next escaped character
    private static final Pattern ENCODED_SECRET_PARAMS = Pattern.compile(
            "(?i)((?:" + String.join("|", SECRET_PARAM_NAMES) + ")%(?:25)?3D)([^&#\\s\"'<>\\\\%]+)");
    // Canvas calendar feed URLs: /feeds/calendars/user_<private token>.ics
    private static final Pattern FEED_TOKEN = Pattern.compile("(/feeds/[a-z_]+/)([A-Za-z0-9_]+_)?([A-Za-z0-9]{20,})");
    private static final Pattern BEARER = Pattern.compile("(?i)(Bearer\\s+)([A-Za-z0-9._~+/=-]+)");

    // the same for data kept in the lake (see redactData): a parameter only where a URL has its parameters, after
    // ?, &, # or ; (or & as JSON escapes it, backslash-u0026, or any of them URL-encoded), and a bearer token only
    // as a word of its own followed by a token's length of token characters
    private static final Pattern URL_SECRET_PARAMS = Pattern.compile(
            "(?i)((?:[?&#;]|\\\\u0026)[A-Za-z0-9_.-]*(?:" + String.join("|", SECRET_PARAM_NAMES) + ")=)"
                    + "([^&#\\s\"'<>\\\\]+)");
    private static final Pattern URL_ENCODED_SECRET_PARAMS = Pattern.compile(
            "(?i)(%(?:25)?(?:3F|26|23)[A-Za-z0-9_.-]*(?:" + String.join("|", SECRET_PARAM_NAMES)
                    + ")%(?:25)?3D)([^&#\\s\"'<>\\\\%]+)");
    private static final Pattern BEARER_TOKEN = Pattern.compile("(?i)\\b(Bearer\\s+)([A-Za-z0-9._~+/=-]{20,})");

    private Redaction() {
    }

    /**
     * Text for a log, a report or an error message: every credential-looking parameter ({@code token=...}, also as
     * the end of a longer name, anywhere), feed token and bearer token masked. Broad on purpose: a message may quote
     * a URL in part, or a setting.
     */
    public static String redact(String text) {
        return redact(text, SECRET_PARAMS, ENCODED_SECRET_PARAMS, BEARER);
    }

    /**
     * Data kept in the lake (an event's JSON, a page of the Canvas API): the credentials of URLs (parameters in a
     * URL's parameter list, plain or URL-encoded, and feed tokens) and bearer tokens masked, and nothing else. What
     * people write keeps its words: {@link #redact} would change "Torchbearer Scholars" or "(sig=0.05)" in a course
     * name or a submission's text, which are not credentials.
     */
    public static String redactData(String text) {
        return redact(text, URL_SECRET_PARAMS, URL_ENCODED_SECRET_PARAMS, BEARER_TOKEN);
    }

    private static String redact(String text, Pattern params, Pattern encodedParams, Pattern bearer) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        // the regex is only run where a parameter name precedes an '=': live-event URLs are full of harmless ones
        // and the job redacts every event it reads
        if (hasSecretParameter(out)) {
            out = params.matcher(out).replaceAll("$1" + MASK);
        }
        if (hasEncodedSecretParameter(out)) {
            out = encodedParams.matcher(out).replaceAll("$1" + MASK);
        }
        if (out.contains("/feeds/")) {
            Matcher m = FEED_TOKEN.matcher(out);
            out = m.replaceAll(r -> Matcher.quoteReplacement(r.group(1) + (r.group(2) == null ? "" : r.group(2)) + MASK));
        }
        if (containsIgnoreCase(out, "bearer")) {
            out = bearer.matcher(out).replaceAll("$1" + MASK);
        }
        return out;
    }

    /** True when the text holds something {@link #redact} would change. */
    public static boolean needsRedaction(String text) {
        return text != null && !text.equals(redact(text));
    }

    /** True when the text holds something {@link #redactData} would change. */
    public static boolean dataNeedsRedaction(String text) {
        return text != null && !text.equals(redactData(text));
    }

    /** True when some '=' follows one of the secret parameter names (what SECRET_PARAMS needs to match). */
    private static boolean hasSecretParameter(String text) {
        for (int eq = text.indexOf('='); eq >= 0; eq = text.indexOf('=', eq + 1)) {
            if (endsWithSecretName(text, eq)) {
                return true;
            }
        }
        return false;
    }

    /** True when one of the secret parameter names ends right before {@code end}. */
    private static boolean endsWithSecretName(String text, int end) {
        if (end == 0) {
            return false;
        }
        // every name ends in a letter: most '=' and '%' in event URLs are ruled out by one comparison
        char last = Character.toLowerCase(text.charAt(end - 1));
        for (String name : SECRET_PARAM_NAMES) {
            int start = end - name.length();
            if (start >= 0 && Character.toLowerCase(name.charAt(name.length() - 1)) == last
                    && text.regionMatches(true, start, name, 0, name.length())) {
                return true;
            }
        }
        return false;
    }

    /** True when some {@code %3D} (or {@code %253D}) follows one of the secret parameter names. */
    private static boolean hasEncodedSecretParameter(String text) {
        for (int pct = text.indexOf('%'); pct >= 0; pct = text.indexOf('%', pct + 1)) {
            boolean once = text.regionMatches(true, pct, "%3D", 0, 3);
            boolean twice = text.regionMatches(true, pct, "%253D", 0, 5);
            if ((once || twice) && endsWithSecretName(text, pct)) {
                return true;
            }
        }
        return false;
    }

    private static boolean containsIgnoreCase(String text, String needle) {
        // String.indexOf(char) is vectorised: it skips to each candidate first letter far faster than a loop over
        // every character (this runs on every event the job reads)
        return startsAtSome(text, needle, Character.toLowerCase(needle.charAt(0)))
                || startsAtSome(text, needle, Character.toUpperCase(needle.charAt(0)));
    }

    private static boolean startsAtSome(String text, String needle, char first) {
        for (int i = text.indexOf(first); i >= 0; i = text.indexOf(first, i + 1)) {
            if (text.regionMatches(true, i, needle, 0, needle.length())) {
                return true;
            }
        }
        return false;
    }
}
