package org.canvaslake.product;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.secrets.Secret;

/**
 * Keyed pseudonyms for user identifiers: HMAC-SHA256 of the user's id under a secret key, so the same user gets
 * the same pseudonym in every row and every run (joins and counts still work) while nobody without the key can
 * link it back, not even by hashing a list of known ids. Changing the key changes every pseudonym.
 *
 * <p>The key is held only by this object (the UDF closure Spark ships to executors); it never enters a query plan,
 * a log line or the lake. The lake keeps only a {@link #fingerprint()} to notice a changed key.
 */
public final class Pseudonymizer implements Serializable {

    private static final long serialVersionUID = 1L;
    static final int MIN_KEY_LENGTH = 16;
    private static final String ALGORITHM = "HmacSHA256";

    private final byte[] key;

    private Pseudonymizer(byte[] key) {
        this.key = key.clone();
    }

    public static Pseudonymizer withKey(Secret secret) {
        byte[] key = secret.reveal().getBytes(StandardCharsets.UTF_8);
        if (key.length < MIN_KEY_LENGTH) {
            throw new UsageException("The pseudonymisation key (--pseudonymize-key / CANVASLAKE_PSEUDONYMIZE_KEY) is "
                    + key.length + " bytes; use at least " + MIN_KEY_LENGTH + " random bytes, e.g. from "
                    + "'openssl rand -hex 32', kept in SSM Parameter Store (ssm:/canvaslake/pseudonymize-key)");
        }
        return new Pseudonymizer(key);
    }

    /** The pseudonym of one user id: {@code u_} and 32 hex digits (128 bits of the HMAC). */
    public String pseudonym(String userId) {
        if (userId == null) {
            return null;
        }
        return "u_" + HexFormat.of().formatHex(hmac("user:" + userId), 0, 16);
    }

    /** Identifies the key without revealing it: stored in {@code _meta.product_state} to detect a key change. */
    public String fingerprint() {
        return HexFormat.of().formatHex(hmac("canvaslake:pseudonymize-key-fingerprint"), 0, 8);
    }

    /** A column holding the pseudonym of the given user id column. */
    public Column pseudonymOf(Column userId) {
        return udf().apply(userId.cast(DataTypes.StringType));
    }

    private UserDefinedFunction udf() {
        Pseudonymizer self = this;
        return functions.udf((UDF1<String, String>) self::pseudonym, DataTypes.StringType)
                .withName("pseudonym");
    }

    private byte[] hmac(String message) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "Pseudonymizer[key ****, fingerprint " + fingerprint() + "]";
    }
}
