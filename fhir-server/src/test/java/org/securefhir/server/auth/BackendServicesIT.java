package org.securefhir.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.securefhir.auth.client.ClientKeys;
import org.securefhir.auth.demo.DemoData;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.securefhir.server.support.TestBrowser;
import org.securefhir.server.support.TestBrowser.Page;
import org.securefhir.server.support.TestFhirClient;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;

/**
 * SMART Backend Services over HTTPS: {@code client_credentials} with {@code private_key_jwt}
 * client authentication (RFC 7523, SMART App Launch 2.2 asymmetric client authentication).
 */
class BackendServicesIT extends AbstractFhirServerIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    @Autowired
    private RegisteredClientRepository clients;

    @Test
    void clientCredentialsWhenSignedAssertionThenShortLivedSystemTokenWithoutRefresh() throws Exception {
        Page token = token(assertion(demoKey(), JWSAlgorithm.ES384, claims(DemoData.BACKEND_JWT_CLIENT_ID)));

        assertThat(token.status()).as(token.body()).isEqualTo(200);
        JsonNode response = JSON.readTree(token.body());
        assertThat(response.path("scope").asText()).isEqualTo("system/*.rs");
        assertThat(response.path("expires_in").asInt()).isBetween(1, 300);
        assertThat(response.has("refresh_token")).isFalse();
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder()
                .decode(response.path("access_token").asText().split("\\.")[1]));
        assertThat(claims.path("sub").asText()).isEqualTo(DemoData.BACKEND_JWT_CLIENT_ID);
        assertThat(claims.path("aud").toString()).contains("https://localhost:" + port + "/fhir");
    }

    @Test
    void clientCredentialsWhenRs384KeyRegisteredThenTokenIssued() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        String clientId = registerClient(key);

        Page token = token(assertion(key, JWSAlgorithm.RS384, claims(clientId)));

        assertThat(token.status()).as(token.body()).isEqualTo(200);
    }

    @Test
    void tokenWhenAssertionJtiReplayedThenInvalidClient() throws Exception {
        String assertion = assertion(demoKey(), JWSAlgorithm.ES384, claims(DemoData.BACKEND_JWT_CLIENT_ID));

        assertThat(token(assertion).status()).isEqualTo(200);
        assertInvalidClient(token(assertion));
    }

    @Test
    void tokenWhenAssertionSignedByAnotherKeyThenInvalidClient() throws Exception {
        ECKey impostor =
                new ECKeyGenerator(Curve.P_384).keyID(demoKey().getKeyID()).generate();

        assertInvalidClient(token(assertion(impostor, JWSAlgorithm.ES384, claims(DemoData.BACKEND_JWT_CLIENT_ID))));
    }

    @Test
    void tokenWhenAssertionUsesAlgorithmOutsideRs384Es384ThenInvalidClient() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("rsa-256").generate();
        String clientId = registerClient(key);

        assertInvalidClient(token(assertion(key, JWSAlgorithm.RS256, claims(clientId))));
    }

    @Test
    void tokenWhenAssertionExpiresMoreThanFiveMinutesAheadThenInvalidClient() throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder(claims(DemoData.BACKEND_JWT_CLIENT_ID))
                .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(10))))
                .build();

        assertInvalidClient(token(assertion(demoKey(), JWSAlgorithm.ES384, claims)));
    }

    @Test
    void tokenWhenAssertionExpiredThenInvalidClient() throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder(claims(DemoData.BACKEND_JWT_CLIENT_ID))
                .expirationTime(Date.from(Instant.now().minus(Duration.ofMinutes(2))))
                .build();

        assertInvalidClient(token(assertion(demoKey(), JWSAlgorithm.ES384, claims)));
    }

    @Test
    void tokenWhenAssertionAudienceIsNotTheTokenEndpointThenInvalidClient() throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder(claims(DemoData.BACKEND_JWT_CLIENT_ID))
                .audience("https://localhost:" + port + "/auth")
                .build();

        assertInvalidClient(token(assertion(demoKey(), JWSAlgorithm.ES384, claims)));
    }

    @Test
    void tokenWhenAssertionHasNoJtiThenInvalidClient() throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder(claims(DemoData.BACKEND_JWT_CLIENT_ID))
                .jwtID(null)
                .build();

        assertInvalidClient(token(assertion(demoKey(), JWSAlgorithm.ES384, claims)));
    }

    @Test
    void tokenWhenClientAssertionTypeWrongThenInvalidClient() throws Exception {
        String assertion = assertion(demoKey(), JWSAlgorithm.ES384, claims(DemoData.BACKEND_JWT_CLIENT_ID));

        assertInvalidClient(browser()
                .postForJson(
                        "/auth/oauth2/token",
                        form(
                                "grant_type", "client_credentials",
                                "scope", "system/*.rs",
                                "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
                                "client_assertion", assertion)));
    }

    @Test
    void tokenWhenGrantTypeWrongThenRefused() throws Exception {
        String assertion = assertion(demoKey(), JWSAlgorithm.ES384, claims(DemoData.BACKEND_JWT_CLIENT_ID));

        Page token = browser()
                .postForJson(
                        "/auth/oauth2/token",
                        form(
                                "grant_type",
                                "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                "scope",
                                "system/*.rs",
                                "client_assertion_type",
                                ASSERTION_TYPE,
                                "client_assertion",
                                assertion));

        assertThat(token.status()).isEqualTo(400);
        assertThat(JSON.readTree(token.body()).path("error").asText()).isEqualTo("unsupported_grant_type");
    }

    @Test
    void smartConfigurationWhenFetchedThenAdvertisesPrivateKeyJwt() throws Exception {
        JsonNode configuration = JSON.readTree(
                browser().get("/fhir/.well-known/smart-configuration").body());

        assertThat(configuration.path("token_endpoint_auth_methods_supported").toString())
                .contains("private_key_jwt");
        assertThat(configuration
                        .path("token_endpoint_auth_signing_alg_values_supported")
                        .toString())
                .contains("RS384")
                .contains("ES384");
        assertThat(configuration.path("capabilities").toString()).contains("client-confidential-asymmetric");
        assertThat(configuration.path("grant_types_supported").toString()).contains("client_credentials");
    }

    // --- helpers ---

    private String registerClient(JWK key) {
        String clientId = "backend-" + UUID.randomUUID();
        clients.save(RegisteredClient.withId(UUID.randomUUID().toString())
                .clientId(clientId)
                .clientName("Test backend service")
                .clientAuthenticationMethod(ClientAuthenticationMethod.PRIVATE_KEY_JWT)
                .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                .scope("system/*.rs")
                .clientSettings(ClientSettings.builder()
                        .setting(
                                ClientKeys.JWKS_SETTING,
                                ClientKeys.validatePublicJwks(new JWKSet(key.toPublicJWK()).toString()))
                        .build())
                .build());
        return clientId;
    }

    private static ECKey demoKey() throws Exception {
        // the private key published in docs/demo-accounts.md
        return ECKey.parse(
                "{\"kty\":\"EC\",\"d\":\"7MpgC-hDfeDQYEo7vmUNMktHLLryrwXXwoi79s5sIfyfyU595Q_iy2B-wo4XHO2Y\",\"use\":\"sig\","
                        + "\"crv\":\"P-384\",\"kid\":\"demo-backend-jwt-key-1\","
                        + "\"x\":\"9vzr53s7_EnwOJoarWtN7ViD8jHNB-u7vvaozCd3go7TEQXgLZ25YpKamyR1dMmr\","
                        + "\"y\":\"rj3WCq8vWlUfVF2lUpUvu2F5XxzOsyKOyN4J6NsHzWp8T8WGAk5VmV7H-w5qrCrC\",\"alg\":\"ES384\"}");
    }

    private JWTClaimsSet claims(String clientId) {
        return new JWTClaimsSet.Builder()
                .issuer(clientId)
                .subject(clientId)
                .audience("https://localhost:" + port + "/auth/oauth2/token")
                .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(4))))
                .jwtID(UUID.randomUUID().toString())
                .build();
    }

    private static String assertion(JWK key, JWSAlgorithm algorithm, JWTClaimsSet claims) throws JOSEException {
        JWSSigner signer = key instanceof ECKey ec ? new ECDSASigner(ec) : new RSASSASigner((RSAKey) key);
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(algorithm)
                        .keyID(key.getKeyID())
                        .type(com.nimbusds.jose.JOSEObjectType.JWT)
                        .build(),
                claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    private Page token(String assertion) {
        return browser()
                .postForJson(
                        "/auth/oauth2/token",
                        form(
                                "grant_type",
                                "client_credentials",
                                "scope",
                                "system/*.rs",
                                "client_assertion_type",
                                ASSERTION_TYPE,
                                "client_assertion",
                                assertion));
    }

    private static void assertInvalidClient(Page token) throws Exception {
        assertThat(token.status()).as(token.body()).isEqualTo(401);
        assertThat(JSON.readTree(token.body()).path("error").asText()).isEqualTo("invalid_client");
    }

    private TestBrowser browser() {
        return new TestBrowser("https://localhost:" + port, TestFhirClient.trusting(certificate()));
    }

    private static List<Map.Entry<String, String>> form(String... pairs) {
        java.util.ArrayList<Map.Entry<String, String>> form = new java.util.ArrayList<>();
        for (int i = 0; i < pairs.length; i += 2) {
            form.add(Map.entry(pairs[i], pairs[i + 1]));
        }
        return form;
    }
}
