package org.securefhir.auth.web;

import java.io.Serial;
import java.io.Serializable;
import java.security.Principal;
import java.util.Set;
import org.securefhir.auth.user.UserAccount;

/**
 * The principal of a completed login (password and second factor). Its name is the stable user id,
 * which Spring Authorization Server records as the owner of authorizations and uses as {@code sub}.
 */
public record AuthenticatedUser(String id, String username, String displayName, String fhirUser, Set<String> roles)
        implements Principal, Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    public static AuthenticatedUser of(UserAccount user) {
        return new AuthenticatedUser(
                user.id(),
                user.username(),
                user.displayName(),
                user.fhirUser().orElse(null),
                user.roles().stream()
                        .map(role -> role.code())
                        .collect(java.util.stream.Collectors.toUnmodifiableSet()));
    }

    @Override
    public String getName() {
        return id;
    }
}
