package org.canvaslake.canvas;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Canvas's {@code Link} pagination header (RFC 8288): {@code <url>; rel="next",<url>; rel="first"}. The URLs are
 * opaque (numbered pages or {@code page=bookmark:...} cursors) and are followed verbatim, never rebuilt. Entries may
 * be separated by "," with or without whitespace or newlines, {@code rel} may be unquoted or hold several values,
 * and any relation may be missing (no {@code next} means the last page; {@code last} is often left out).
 */
public final class LinkHeader {

    private static final Pattern ENTRY = Pattern.compile("<([^>]*)>((?:\\s*;\\s*[^;,<]+)*)");
    private static final Pattern REL = Pattern.compile("(?i)\\brel\\s*=\\s*(?:\"([^\"]*)\"|([^\\s;,\"]+))");

    private final Map<String, String> links;

    private LinkHeader(Map<String, String> links) {
        this.links = Collections.unmodifiableMap(links);
    }

    /** Parses the header value; null or blank gives an empty header (a single page). */
    public static LinkHeader parse(String value) {
        Map<String, String> links = new LinkedHashMap<>();
        if (value != null) {
            Matcher entry = ENTRY.matcher(value);
            while (entry.find()) {
                String url = entry.group(1).trim();
                Matcher rel = REL.matcher(entry.group(2));
                if (!rel.find()) {
                    continue;
                }
                String rels = rel.group(1) != null ? rel.group(1) : rel.group(2);
                for (String r : rels.trim().split("\\s+")) {
                    links.putIfAbsent(r.toLowerCase(Locale.ROOT), url);
                }
            }
        }
        return new LinkHeader(links);
    }

    public Optional<String> next() {
        return rel("next");
    }

    public Optional<String> rel(String rel) {
        return Optional.ofNullable(links.get(rel.toLowerCase(Locale.ROOT)));
    }

    public Map<String, String> all() {
        return links;
    }
}
