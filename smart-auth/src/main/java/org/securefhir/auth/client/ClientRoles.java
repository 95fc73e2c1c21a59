package org.securefhir.auth.client;

import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;

/**
 * The access-policy roles a backend service acts under (client setting {@value #SETTING}): its
 * {@code system/} scopes reach only what these roles of the resource server's access policy allow.
 * A backend service without roles gets tokens that reach nothing (deny by default).
 */
public final class ClientRoles {

    /** Client setting: the role codes, separated by spaces. */
    public static final String SETTING = "settings.client.smart.roles";

    private static final Pattern CODE = Pattern.compile("[a-z][a-z0-9-]{0,63}");

    private ClientRoles() {}

    /** The client's role codes (empty when none were registered). */
    public static Set<String> of(RegisteredClient client) {
        Object value = client.getClientSettings().getSetting(SETTING);
        if (!(value instanceof String text) || text.isBlank()) {
            return Set.of();
        }
        return Set.copyOf(Arrays.asList(text.trim().split("\\s+")));
    }

    /** Stores the roles on a client's settings. */
    public static ClientSettings.Builder set(ClientSettings.Builder settings, Collection<String> roles) {
        return settings.setting(SETTING, String.join(" ", validate(roles)));
    }

    /** @throws IllegalArgumentException when a code is not a role code ({@code a-z 0-9 -}) */
    public static List<String> validate(Collection<String> roles) {
        for (String role : roles) {
            if (role == null || !CODE.matcher(role).matches()) {
                throw new IllegalArgumentException("invalid role code: roles are a-z, 0-9 and -");
            }
        }
        return List.copyOf(new LinkedHashSet<>(roles));
    }
}
