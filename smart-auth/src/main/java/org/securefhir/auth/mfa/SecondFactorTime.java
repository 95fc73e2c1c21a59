package org.securefhir.auth.mfa;

import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * When a user completed their second factor, carried with their login as an authority (Spring
 * Authorization Server stores the principal with an allow-listed JSON mapper, which keeps plain
 * authorities) and issued in their access tokens as {@code auth_time} (OpenID Connect Core §2), so
 * that the resource server can ask for a recent second factor before an irreversible operation
 * (step-up). Refreshed tokens keep the time of the login, never the time of the refresh.
 */
public final class SecondFactorTime {

    private static final String PREFIX = "AUTH_TIME_";

    private SecondFactorTime() {}

    public static GrantedAuthority authority(Instant completed) {
        return new SimpleGrantedAuthority(PREFIX + completed.getEpochSecond());
    }

    /** The latest second-factor time among the authorities, if any. */
    public static Optional<Instant> of(Collection<? extends GrantedAuthority> authorities) {
        Optional<Instant> latest = Optional.empty();
        for (GrantedAuthority authority : authorities) {
            String name = authority.getAuthority();
            if (name != null && name.startsWith(PREFIX)) {
                try {
                    Instant time = Instant.ofEpochSecond(Long.parseLong(name.substring(PREFIX.length())));
                    if (latest.isEmpty() || time.isAfter(latest.get())) {
                        latest = Optional.of(time);
                    }
                } catch (NumberFormatException ignored) {
                    // not ours
                }
            }
        }
        return latest;
    }
}
