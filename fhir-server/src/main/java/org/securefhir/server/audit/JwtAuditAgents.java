package org.securefhir.server.audit;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.securefhir.interceptors.audit.AuditAgent;
import org.securefhir.smart.SmartClaims;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/** The audit agent of the current request: the verified token's user, roles, app and {@code jti}. */
final class JwtAuditAgents implements AuditAgent.Source {

    private final String rolesClaim;

    JwtAuditAgents(String rolesClaim) {
        this.rolesClaim = rolesClaim;
    }

    @Override
    public Optional<AuditAgent> current() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (!(authentication instanceof JwtAuthenticationToken token)) {
            return Optional.empty();
        }
        Jwt jwt = token.getToken();
        Object roles = jwt.getClaim(rolesClaim);
        return Optional.of(new AuditAgent(
                jwt.getSubject(),
                Optional.ofNullable(jwt.getClaimAsString(SmartClaims.FHIR_USER)),
                roles instanceof Collection<?> values
                        ? values.stream().map(String::valueOf).toList()
                        : List.of(),
                jwt.getClaimAsString(SmartClaims.CLIENT_ID),
                Optional.ofNullable(jwt.getId()),
                Optional.ofNullable(jwt.getClaimAsString("purpose_of_use"))));
    }
}
