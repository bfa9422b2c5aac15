package org.canvaslake.common.secrets;

import java.util.Objects;

/** A secret value that cannot be printed by accident: toString() masks it. */
public final class Secret {

    private final String value;

    public Secret(String value) {
        this.value = Objects.requireNonNull(value, "secret value");
    }

    /** The secret itself: for an Authorization header or a driver property, never for a log line. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "****";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && s.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
