package org.securefhir.auth.token;

import com.nimbusds.jwt.JWTParser;
import jakarta.servlet.http.HttpServletRequest;
import java.text.ParseException;
import java.time.Clock;
import java.util.Optional;
import org.securefhir.auth.event.SecurityEvent;
import org.securefhir.auth.event.SecurityEventSink;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.core.http.converter.OAuth2ErrorHttpMessageConverter;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AccessTokenAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2TokenRevocationAuthenticationToken;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.authentication.AuthenticationSuccessHandler;

/**
 * Security events of the token endpoints: token issued or refreshed, token revoked, client
 * authentication failed. Ids only (client id, subject, source address): never a token, secret or
 * assertion.
 */
public final class TokenEvents {

    private final SecurityEventSink events;
    private final Clock clock;

    public TokenEvents(SecurityEventSink events, Clock clock) {
        this.events = events;
        this.clock = clock;
    }

    /** Wraps the token endpoint's success handler: records the issued tokens, then responds. */
    public AuthenticationSuccessHandler issued(AuthenticationSuccessHandler delegate) {
        return (request, response, authentication) -> {
            delegate.onAuthenticationSuccess(request, response, authentication);
            if (authentication instanceof OAuth2AccessTokenAuthenticationToken tokens) {
                String grantType = request.getParameter(OAuth2ParameterNames.GRANT_TYPE);
                boolean refresh = OAuth2ParameterNames.REFRESH_TOKEN.equals(grantType);
                record(
                        refresh ? SecurityEvent.Type.TOKEN_REFRESHED : SecurityEvent.Type.TOKEN_ISSUED,
                        subject(tokens.getAccessToken()),
                        Optional.of(tokens.getRegisteredClient().getClientId()),
                        request,
                        "grant_type=" + grantType + " scope="
                                + String.join(" ", tokens.getAccessToken().getScopes())
                                + (tokens.getRefreshToken() != null ? " with refresh token" : ""));
            }
        };
    }

    /**
     * Failure handler for client authentication at the token, introspection and revocation
     * endpoints: records the failure and answers as Spring Authorization Server does (RFC 6749
     * §5.2: 401 for {@code invalid_client}, else 400).
     */
    public AuthenticationFailureHandler clientAuthenticationFailed() {
        OAuth2ErrorHttpMessageConverter converter = new OAuth2ErrorHttpMessageConverter();
        return (request, response, exception) -> {
            OAuth2Error oauthError = exception instanceof OAuth2AuthenticationException oauth
                    ? oauth.getError()
                    : new OAuth2Error(OAuth2ErrorCodes.INVALID_CLIENT);
            String error = oauthError.getErrorCode();
            record(
                    SecurityEvent.Type.CLIENT_AUTHENTICATION_FAILURE,
                    Optional.empty(),
                    Optional.ofNullable(request.getParameter(OAuth2ParameterNames.CLIENT_ID))
                            .filter(id -> id.length() <= 100),
                    request,
                    error);
            SecurityContextHolder.clearContext();
            ServletServerHttpResponse http = new ServletServerHttpResponse(response);
            http.setStatusCode(
                    OAuth2ErrorCodes.INVALID_CLIENT.equals(error) ? HttpStatus.UNAUTHORIZED : HttpStatus.BAD_REQUEST);
            converter.write(oauthError, null, http);
        };
    }

    /** Success handler of the revocation endpoint: records the revocation, answers 200. */
    public AuthenticationSuccessHandler revoked() {
        return (request, response, authentication) -> {
            Optional<String> clientId = Optional.empty();
            if (authentication instanceof OAuth2TokenRevocationAuthenticationToken revocation
                    && revocation.getPrincipal() instanceof OAuth2ClientAuthenticationToken client
                    && client.getRegisteredClient() != null) {
                clientId = Optional.of(client.getRegisteredClient().getClientId());
            }
            record(SecurityEvent.Type.TOKEN_REVOKED, Optional.empty(), clientId, request, "revoked by the client");
            response.setStatus(HttpStatus.OK.value());
        };
    }

    /** The subject of an access token this server just issued (a JWT it signed itself). */
    private static Optional<String> subject(OAuth2AccessToken token) {
        try {
            return Optional.ofNullable(
                    JWTParser.parse(token.getTokenValue()).getJWTClaimsSet().getSubject());
        } catch (ParseException e) {
            return Optional.empty();
        }
    }

    private void record(
            SecurityEvent.Type type,
            Optional<String> userId,
            Optional<String> clientId,
            HttpServletRequest request,
            String detail) {
        events.record(new SecurityEvent(
                clock.instant(),
                type,
                userId,
                Optional.empty(),
                clientId,
                Optional.of(request.getRemoteAddr()),
                detail));
    }
}
