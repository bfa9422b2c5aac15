package org.canvaslake.events;

/**
 * Canvas ids as live events carry them. Canvas shards its database; an id seen from outside a shard is a global id,
 * {@code shard * 10^13 + local id} (e.g. {@code 21070000000000565} is local id 565 on shard 2107), while the REST API
 * and Canvas Data mostly use the local id. Events also carry the short {@code shard~local} form and Caliper URNs
 * ({@code urn:instructure:canvas:user:21070000000000001}). Ids are kept as strings (they exceed a double's precision);
 * {@link #localId} gives the number to join on.
 */
public final class CanvasId {

    public static final long GLOBAL_ID_BASE = 10_000_000_000_000L;
    private static final String URN_PREFIX = "urn:instructure:canvas:";

    private CanvasId() {
    }

    /**
     * The local id inside a Canvas id: a global id modulo 10^13, a short local id as is, the part after {@code ~},
     * or the same for the last segment of a simple Caliper URN. Null when the value is not a numeric id.
     */
    public static Long localId(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        String digits = value;
        if (value.startsWith(URN_PREFIX)) {
            digits = urnEntity(value);
            if (digits == null) {
                return null;
            }
        }
        int tilde = digits.indexOf('~');
        if (tilde > 0) {
            String shard = digits.substring(0, tilde);
            String local = digits.substring(tilde + 1);
            return isDigits(shard) && isDigits(local) && local.length() <= 18 ? Long.parseLong(local) : null;
        }
        if (!isDigits(digits) || digits.length() > 18) {
            return null;
        }
        return local(Long.parseLong(digits));
    }

    /** The local id of a numeric id given as a JSON number. */
    public static long local(long id) {
        return id >= GLOBAL_ID_BASE ? id % GLOBAL_ID_BASE : id;
    }

    /**
     * The id inside a simple Caliper URN {@code urn:instructure:canvas:<type>:<id>} (null for other values, and for
     * compound URNs such as a membership's {@code ...:course:565:Instructor:987}).
     */
    public static String urnEntity(String urn) {
        if (urn == null || !urn.startsWith(URN_PREFIX)) {
            return null;
        }
        String rest = urn.substring(URN_PREFIX.length());
        int colon = rest.indexOf(':');
        if (colon <= 0 || rest.indexOf(':', colon + 1) >= 0) {
            return null;
        }
        String id = rest.substring(colon + 1);
        return id.isEmpty() ? null : id;
    }

    /** The entity type of a Caliper URN ({@code user}, {@code course}, {@code assignment}, ...), or null. */
    public static String urnType(String urn) {
        if (urn == null || !urn.startsWith(URN_PREFIX)) {
            return null;
        }
        String rest = urn.substring(URN_PREFIX.length());
        int colon = rest.indexOf(':');
        return colon <= 0 ? null : rest.substring(0, colon);
    }

    /**
     * The id that follows {@code <type>:} anywhere in a Caliper URN, e.g. the course in
     * {@code urn:instructure:canvas:course:565:section:4811}. Null when absent.
     */
    public static String urnSegment(String urn, String type) {
        if (urn == null || !urn.startsWith(URN_PREFIX)) {
            return null;
        }
        String[] parts = urn.substring(URN_PREFIX.length()).split(":");
        for (int i = 0; i + 1 < parts.length; i++) {
            if (parts[i].equals(type) && !parts[i + 1].isEmpty()) {
                return parts[i + 1];
            }
        }
        return null;
    }

    static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
