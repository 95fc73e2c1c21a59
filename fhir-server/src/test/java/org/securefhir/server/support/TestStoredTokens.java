package org.securefhir.server.support;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

/**
 * Tokens that differ from a stored, valid access token in the claims a test names, signed with
 * the server's own key and put in the store in the original's place: what the server would have
 * issued had that claim been different (e.g. a second factor entered ten minutes ago), so that each
 * check of a claim can be proven necessary on its own.
 */
public final class TestStoredTokens {

    private final JWKSource<SecurityContext> keys;
    private final JdbcTemplate jdbc;

    public TestStoredTokens(JWKSource<SecurityContext> keys, JdbcTemplate jdbc) {
        this.keys = keys;
        this.jdbc = jdbc;
    }

    /** The stored token with these claims replaced; the original is no longer active. */
    public String withClaims(String stored, Map<String, Object> changes) {
        return store(stored, signed(stored, changes));
    }

    /** Puts a token value in the place of a stored one, as its digest (the original is no longer active). */
    public String store(String stored, String replacement) {
        int updated = jdbc.update(
                "UPDATE smart_auth.oauth2_authorization SET access_token_value = ? WHERE access_token_value = ?",
                org.securefhir.auth.token.RefreshTokenRotation.storedForm(replacement),
                org.securefhir.auth.token.RefreshTokenRotation.storedForm(stored));
        if (updated != 1) {
            throw new IllegalStateException("the token is not stored");
        }
        return replacement;
    }

    /** The token with these claims replaced and its original signature kept (a tampered token). */
    public static String tampered(String stored, Map<String, Object> changes) {
        try {
            SignedJWT original = SignedJWT.parse(stored);
            Map<String, Object> claims =
                    new HashMap<>(original.getJWTClaimsSet().toJSONObject());
            claims.putAll(changes);
            String payload = com.nimbusds.jose.util.Base64URL.encode(
                            com.nimbusds.jose.util.JSONObjectUtils.toJSONString(claims))
                    .toString();
            String[] parts = stored.split("\\.");
            return parts[0] + "." + payload + "." + parts[2];
        } catch (ParseException e) {
            throw new IllegalArgumentException("not a JWT", e);
        }
    }

    /** The token with these claims replaced, signed with the server's key, not stored. */
    public String signed(String stored, Map<String, Object> changes) {
        SignedJWT original;
        Map<String, Object> claims;
        try {
            original = SignedJWT.parse(stored);
            claims = new HashMap<>(original.getJWTClaimsSet().getClaims());
        } catch (ParseException e) {
            throw new IllegalArgumentException("not a JWT", e);
        }
        claims.replaceAll((name, value) -> value instanceof Date date ? date.toInstant() : value);
        claims.putAll(changes);
        JwsHeader header = JwsHeader.with(SignatureAlgorithm.from(
                        original.getHeader().getAlgorithm().getName()))
                .keyId(original.getHeader().getKeyID())
                .build();
        return new NimbusJwtEncoder(keys)
                .encode(JwtEncoderParameters.from(
                        header,
                        JwtClaimsSet.builder().claims(all -> all.putAll(claims)).build()))
                .getTokenValue();
    }
}
