package org.securefhir.auth.client;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.net.URI;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoderFactory;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;

/**
 * Decoders for {@code private_key_jwt} client assertions: the signature must verify with one of the
 * client's registered keys (inline JWK Set or JWK Set URL, see {@link ClientKeys}) under RS384 or
 * ES384, the algorithms SMART requires servers to support; then {@link ClientAssertionValidator}
 * checks the claims. Replaces Spring Authorization Server's factory, which only knows JWK Set URLs
 * and does not refuse a replayed {@code jti}.
 */
public final class ClientAssertionDecoders implements JwtDecoderFactory<RegisteredClient> {

    static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS384, JWSAlgorithm.ES384);

    private final String tokenEndpoint;
    private final AssertionReplayGuard replays;
    private final Clock clock;
    private final Map<String, JWKSource<SecurityContext>> remoteKeySets = new ConcurrentHashMap<>();

    public ClientAssertionDecoders(String tokenEndpoint, AssertionReplayGuard replays, Clock clock) {
        this.tokenEndpoint = tokenEndpoint;
        this.replays = replays;
        this.clock = clock;
    }

    @Override
    public JwtDecoder createDecoder(RegisteredClient client) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys(client)));
        // Claims are checked by ClientAssertionValidator, with SMART's rules.
        processor.setJWTClaimsSetVerifier((claims, context) -> {});
        NimbusJwtDecoder decoder = new NimbusJwtDecoder(processor);
        decoder.setJwtValidator(new ClientAssertionValidator(client.getClientId(), tokenEndpoint, replays, clock));
        return decoder;
    }

    private JWKSource<SecurityContext> keys(RegisteredClient client) {
        Optional<JWKSet> registered = ClientKeys.registeredJwks(client);
        if (registered.isPresent()) {
            return new ImmutableJWKSet<>(registered.get());
        }
        String url = client.getClientSettings().getJwkSetUrl();
        if (url == null || !url.startsWith("https://")) {
            throw new OAuth2AuthenticationException(new OAuth2Error(
                    OAuth2ErrorCodes.INVALID_CLIENT, "The client has no registered keys for private_key_jwt", null));
        }
        return remoteKeySets.computeIfAbsent(url, ClientAssertionDecoders::remote);
    }

    private static JWKSource<SecurityContext> remote(String url) {
        try {
            return JWKSourceBuilder.create(URI.create(url).toURL()).build();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("Bad JWK Set URL", e);
        }
    }
}
