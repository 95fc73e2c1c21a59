package org.securefhir.auth.client;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.net.URI;
import java.text.ParseException;
import java.util.Locale;
import java.util.Optional;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;

/**
 * Where an asymmetric ({@code private_key_jwt}) client's public keys are: a JWK Set registered
 * with the client (client setting {@value #JWKS_SETTING}, public keys only) or a JWK Set URL
 * ({@link ClientSettings#getJwkSetUrl()}, {@code https} only).
 */
public final class ClientKeys {

    /** Client setting holding the registered JWK Set (JSON). */
    public static final String JWKS_SETTING = "settings.client.smart.jwks";

    private ClientKeys() {}

    /** The registered JWK Set of the client, if it has one. */
    public static Optional<JWKSet> registeredJwks(RegisteredClient client) {
        Object value = client.getClientSettings().getSetting(JWKS_SETTING);
        if (!(value instanceof String json) || json.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(JWKSet.parse(json));
        } catch (ParseException e) {
            throw new IllegalStateException("Client " + client.getClientId() + " has an unreadable JWK Set", e);
        }
    }

    /**
     * Checks a JWK Set before it is registered: parseable, at least one key, only public RSA
     * (≥ 2048 bits) or EC P-384 keys, each with a key id.
     *
     * @return the JSON to store (public parts only)
     * @throws IllegalArgumentException naming what is wrong
     */
    public static String validatePublicJwks(String json) {
        JWKSet set;
        try {
            set = JWKSet.parse(json);
        } catch (ParseException e) {
            throw new IllegalArgumentException("jwks is not a JWK Set");
        }
        if (set.getKeys().isEmpty()) {
            throw new IllegalArgumentException("jwks has no keys");
        }
        for (JWK key : set.getKeys()) {
            if (key.isPrivate()) {
                throw new IllegalArgumentException("jwks must contain public keys only");
            }
            if (key.getKeyID() == null || key.getKeyID().isBlank()) {
                throw new IllegalArgumentException("every key in jwks needs a kid");
            }
            switch (key.getKeyType().getValue()) {
                case "RSA" -> {
                    if (key.size() < 2048) {
                        throw new IllegalArgumentException("RSA keys must have at least 2048 bits");
                    }
                }
                case "EC" -> {
                    if (!"P-384".equals(key.toECKey().getCurve().getName())) {
                        throw new IllegalArgumentException("EC keys must be on curve P-384 (ES384)");
                    }
                }
                default ->
                    throw new IllegalArgumentException("unsupported key type "
                            + key.getKeyType().getValue().toLowerCase(Locale.ROOT));
            }
        }
        return set.toPublicJWKSet().toString(true);
    }

    /** Checks a JWK Set URL before it is registered: absolute {@code https}. */
    public static String validateJwksUrl(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("jwks_uri is not a URL");
        }
        if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("jwks_uri must be an absolute https URL");
        }
        return uri.toString();
    }
}
