package org.securefhir.server.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.UUID;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.securefhir.auth.demo.DemoData;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestFhirClient;
import org.securefhir.server.support.TestFhirClient.Response;
import org.springframework.beans.factory.annotation.Autowired;

/** The FHIR API is a resource server: no valid bearer token, no data (401 with an OperationOutcome). */
class FhirApiSecurityIT extends AbstractFhirServerIT {

    @Autowired
    private org.securefhir.auth.keys.SigningKeyRing signingKeys;

    @Autowired
    private com.nimbusds.jose.jwk.source.JWKSource<com.nimbusds.jose.proc.SecurityContext> keySource;

    @Autowired
    private org.springframework.jdbc.core.JdbcTemplate jdbc;

    @Test
    void requestWhenNoTokenThen401WithBearerChallengeAndOperationOutcome() {
        for (String path : new String[] {"/Patient", "/Patient/demo-patient", "/Patient/demo-patient/_history", "/"}) {
            Response response = anonymousFhir().get(path);

            assertThat(response.status()).as(path).isEqualTo(401);
            assertThat(response.header("WWW-Authenticate")).as(path).startsWith("Bearer");
            assertThat(response.as(OperationOutcome.class)
                            .getIssueFirstRep()
                            .getCode()
                            .toCode())
                    .isEqualTo("login");
        }
        Response create =
                anonymousFhir().send("POST", "/Patient", TestFhirClient.FHIR_JSON, "{\"resourceType\":\"Patient\"}");
        assertThat(create.status()).isEqualTo(401);
    }

    @Test
    void requestWhenPublicDocumentsThenNoTokenNeeded() {
        assertThat(anonymousFhir().get("/metadata").status()).isEqualTo(200);
        assertThat(anonymousFhir().get("/.well-known/smart-configuration").status())
                .isEqualTo(200);
    }

    @Test
    void requestWhenValidTokenThenServed() {
        assertThat(fhir().get("/Patient?_count=1").status()).isEqualTo(200);
    }

    @Test
    void requestWhenTokenForgedUnsignedForeignAudienceOrGarbageThen401InvalidToken() throws Exception {
        RSAKey ownKey = (RSAKey) signingKeys.published().getKeys().get(0);
        RSAKey strangerKey = new RSAKeyGenerator(2048).keyID(ownKey.getKeyID()).generate();
        JWTClaimsSet valid = claims("https://localhost:" + port + "/fhir");

        String[] tokens = {
            sign(strangerKey, valid), // right kid, wrong key
            new PlainJWT(valid).serialize(), // alg none
            sign(ownKey, claims("https://other.example/fhir")), // another server's audience
            sign(
                    ownKey,
                    new JWTClaimsSet.Builder(valid)
                            .issuer("https://evil.example/auth")
                            .build()),
            "not-a-jwt"
        };
        for (String token : tokens) {
            Response response = anonymousFhir().get("/Patient", "Authorization", "Bearer " + token);

            assertThat(response.status()).as(token).isEqualTo(401);
            assertThat(response.header("WWW-Authenticate")).contains("invalid_token");
        }
    }

    /**
     * Each validator proven necessary on its own: every token below starts from a stored, valid
     * token and differs in one thing only (re-signed with the server's own key and put in the store
     * in the original's place, so every other check passes).
     */
    @Test
    void requestWhenStoredTokenChangedInOneClaimThen401ForEachValidator() throws Exception {
        org.securefhir.server.support.TestStoredTokens stored =
                new org.securefhir.server.support.TestStoredTokens(keySource, jdbc);
        java.util.Map<String, java.util.Map<String, Object>> changes = new java.util.LinkedHashMap<>();
        changes.put("issuer", java.util.Map.of("iss", "https://evil.example/auth"));
        changes.put("audience", java.util.Map.of("aud", java.util.List.of("https://other.example/fhir")));
        changes.put(
                "expired",
                java.util.Map.of(
                        "iat",
                        Instant.now().minusSeconds(7200),
                        "exp",
                        Instant.now().minusSeconds(3600)));
        changes.put("not yet valid", java.util.Map.of("nbf", Instant.now().plusSeconds(3600)));

        // the control: re-signed and stored without a change, it is served
        String control = stored.withClaims(demoBackendToken("system/*.rs"), java.util.Map.of());
        assertThat(anonymousFhir()
                        .get("/Patient?_count=1", "Authorization", "Bearer " + control)
                        .status())
                .isEqualTo(200);
        java.util.Map<String, String> tokens = new java.util.LinkedHashMap<>();
        for (java.util.Map.Entry<String, java.util.Map<String, Object>> change : changes.entrySet()) {
            tokens.put(change.getKey(), stored.withClaims(demoBackendToken("system/*.rs"), change.getValue()));
        }
        String original = demoBackendToken("system/*.rs");
        tokens.put(
                "signature (one claim changed, original signature)",
                stored.store(
                        original,
                        org.securefhir.server.support.TestStoredTokens.tampered(
                                original, java.util.Map.of("roles", java.util.List.of("integration", "admin")))));
        tokens.put(
                "not issued (valid signature, not in the store)",
                stored.signed(
                        demoBackendToken("system/*.rs"),
                        java.util.Map.of("jti", UUID.randomUUID().toString())));

        tokens.forEach((name, token) -> {
            Response response = anonymousFhir().get("/Patient?_count=1", "Authorization", "Bearer " + token);
            assertThat(response.status()).as(name).isEqualTo(401);
            assertThat(response.header("WWW-Authenticate")).as(name).contains("invalid_token");
        });
    }

    @Test
    void requestWhenTokenRevokedThen401() throws Exception {
        String token = demoBackendToken("system/*.rs");
        assertThat(anonymousFhir()
                        .get("/Patient?_count=1", "Authorization", "Bearer " + token)
                        .status())
                .isEqualTo(200);

        new TestFhirClient("https://localhost:" + port + "/auth", TestFhirClient.trusting(certificate()))
                .send(
                        "POST",
                        "/oauth2/revoke",
                        "application/x-www-form-urlencoded",
                        "token=" + token,
                        "Authorization",
                        demoBackendBasic());

        assertThat(anonymousFhir()
                        .get("/Patient?_count=1", "Authorization", "Bearer " + token)
                        .status())
                .isEqualTo(401);
    }

    @Test
    void scopesWhenReadOnlySystemTokenThenReadsButCannotWrite() throws Exception {
        String token = demoBackendToken("system/*.rs");

        Response read = anonymousFhir().get("/Patient?_count=1", "Authorization", "Bearer " + token);
        Response create = anonymousFhir()
                .send(
                        "POST",
                        "/Patient",
                        TestFhirClient.FHIR_JSON,
                        "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Denied\"}]}",
                        "Authorization",
                        "Bearer " + token);
        Response claims =
                anonymousFhir().get("/Claim", "Authorization", "Bearer " + demoBackendToken("system/Patient.cruds"));

        assertThat(read.status()).isEqualTo(200);
        assertThat(create.status()).isEqualTo(403);
        assertThat(create.as(OperationOutcome.class).getIssue()).isNotEmpty();
        assertThat(claims.status()).isEqualTo(403);
    }

    private static String demoBackendBasic() {
        return "Basic "
                + Base64.getEncoder()
                        .encodeToString((DemoData.BACKEND_CLIENT_ID + ":" + DemoData.BACKEND_CLIENT_SECRET)
                                .getBytes(StandardCharsets.UTF_8));
    }

    private String demoBackendToken(String scope) throws Exception {
        String basic = demoBackendBasic();
        TestFhirClient auth =
                new TestFhirClient("https://localhost:" + port + "/auth", TestFhirClient.trusting(certificate()));
        Response issued = auth.send(
                "POST",
                "/oauth2/token",
                "application/x-www-form-urlencoded",
                "grant_type=client_credentials&scope=" + java.net.URLEncoder.encode(scope, StandardCharsets.UTF_8),
                "Authorization",
                basic);
        assertThat(issued.status()).as(issued.body()).isEqualTo(200);
        return new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(issued.body())
                .path("access_token")
                .asText();
    }

    private JWTClaimsSet claims(String audience) {
        return new JWTClaimsSet.Builder()
                .issuer("https://localhost:" + port + "/auth")
                .subject("intruder")
                .audience(audience)
                .claim("scope", "system/*.cruds")
                .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(5))))
                .issueTime(new Date())
                .jwtID(UUID.randomUUID().toString())
                .build();
    }

    private static String sign(RSAKey key, JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }
}
