package org.canvaslake.common.secrets;

import java.util.function.Function;
import java.util.function.Supplier;

import org.canvaslake.common.cli.UsageException;

import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * Turns a secret option's value into the secret: {@code ssm:<name>} reads an SSM Parameter Store parameter
 * (decrypted), {@code secretsmanager:<id>} (or {@code sm:<id>}) a Secrets Manager secret, {@code env:<VAR>} an
 * environment variable; anything else is the secret itself. AWS clients are created only when a reference needs
 * them, so local runs never touch AWS.
 */
public final class SecretResolver {

    private final Function<String, String> ssm;
    private final Function<String, String> secretsManager;
    private final Function<String, String> env;

    public SecretResolver(Function<String, String> ssm, Function<String, String> secretsManager,
                          Function<String, String> env) {
        this.ssm = ssm;
        this.secretsManager = secretsManager;
        this.env = env;
    }

    public static SecretResolver aws() {
        Supplier<SsmClient> ssmClient = memoize(SsmClient::create);
        Supplier<SecretsManagerClient> smClient = memoize(SecretsManagerClient::create);
        return new SecretResolver(
                name -> ssmClient.get().getParameter(r -> r.name(name).withDecryption(true)).parameter().value(),
                id -> smClient.get().getSecretValue(r -> r.secretId(id)).secretString(),
                System::getenv);
    }

    public Secret resolve(String reference, String source) {
        try {
            if (reference.startsWith("ssm:")) {
                return new Secret(ssm.apply(reference.substring(4)));
            }
            if (reference.startsWith("secretsmanager:")) {
                return new Secret(secretsManager.apply(reference.substring("secretsmanager:".length())));
            }
            if (reference.startsWith("sm:")) {
                return new Secret(secretsManager.apply(reference.substring(3)));
            }
            if (reference.startsWith("env:")) {
                String v = env.apply(reference.substring(4));
                if (v == null || v.isBlank()) {
                    throw new UsageException("Secret " + source + " refers to environment variable "
                            + reference.substring(4) + ", which is not set.");
                }
                return new Secret(v);
            }
        } catch (UsageException e) {
            throw e;
        } catch (RuntimeException e) {
            // the reference is a name, not the secret, so it may be shown
            throw new UsageException("Cannot read secret " + source + " from " + reference + ": "
                    + e.getClass().getSimpleName() + ". Check the name, the region (AWS_REGION) and the IAM "
                    + "permission to read it.");
        }
        return new Secret(reference);
    }

    private static <T> Supplier<T> memoize(Supplier<T> supplier) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = supplier.get();
                }
                return value;
            }
        };
    }
}
