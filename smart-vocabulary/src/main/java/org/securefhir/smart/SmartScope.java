package org.securefhir.smart;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SMART resource scope (<a href="https://hl7.org/fhir/smart-app-launch/STU2.2/scopes-and-launch-context.html">SMART
 * App Launch 2.2 §3</a>), parsed once into types: {@code patient/Observation.rs?category=…|laboratory},
 * {@code user/*.cruds}, and the v1 forms {@code patient/Observation.read}, {@code .write}, {@code .*}.
 * v1 permissions are mapped to their v2 equivalents (read = rs, write = cud, * = cruds).
 *
 * @param query the granular restriction after {@code ?}, if any (e.g. {@code category=…|laboratory})
 */
public record SmartScope(Context context, String resourceType, Set<Permission> permissions, Optional<String> query) {

    /** Whose data the scope reaches. */
    public enum Context {
        PATIENT,
        USER,
        SYSTEM
    }

    /** SMART v2 permissions, in their canonical order c, r, u, d, s. */
    public enum Permission {
        CREATE('c'),
        READ('r'),
        UPDATE('u'),
        DELETE('d'),
        SEARCH('s');

        private final char letter;

        Permission(char letter) {
            this.letter = letter;
        }
    }

    private static final Pattern SYNTAX =
            Pattern.compile("(patient|user|system)/(\\*|[A-Z][A-Za-z]{1,63})\\.([a-z*]+)(\\?(.+))?");

    public SmartScope {
        permissions = permissions.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(permissions));
    }

    /** @return the scope, or empty when the text is not a SMART resource scope */
    public static Optional<SmartScope> parse(String text) {
        Matcher matcher = SYNTAX.matcher(text);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        Context context = Context.valueOf(matcher.group(1).toUpperCase(Locale.ROOT));
        Optional<Set<Permission>> permissions = permissions(matcher.group(3));
        Optional<String> query = Optional.ofNullable(matcher.group(5));
        if (permissions.isEmpty() || (query.isPresent() && !query.get().matches("[^?#\\s]+"))) {
            return Optional.empty();
        }
        return Optional.of(new SmartScope(context, matcher.group(2), permissions.get(), query));
    }

    private static Optional<Set<Permission>> permissions(String text) {
        switch (text) {
            case "read":
                return Optional.of(EnumSet.of(Permission.READ, Permission.SEARCH));
            case "write":
                return Optional.of(EnumSet.of(Permission.CREATE, Permission.UPDATE, Permission.DELETE));
            case "*":
                return Optional.of(EnumSet.allOf(Permission.class));
            default:
                // v2: letters in the order c r u d s, each at most once
                EnumSet<Permission> set = EnumSet.noneOf(Permission.class);
                int last = -1;
                for (char letter : text.toCharArray()) {
                    int index = indexOf(letter);
                    if (index <= last) {
                        return Optional.empty();
                    }
                    set.add(Permission.values()[index]);
                    last = index;
                }
                return set.isEmpty() ? Optional.empty() : Optional.of(set);
        }
    }

    private static int indexOf(char letter) {
        for (Permission permission : Permission.values()) {
            if (permission.letter == letter) {
                return permission.ordinal();
            }
        }
        return -1;
    }

    /**
     * Whether a client registered for this scope may request {@code requested}: same context, the
     * same or wildcard resource type, a subset of the permissions, and at least as narrow a query.
     */
    public boolean covers(SmartScope requested) {
        return context == requested.context
                && ("*".equals(resourceType) || resourceType.equals(requested.resourceType))
                && permissions.containsAll(requested.permissions)
                && (query.isEmpty() || query.equals(requested.query));
    }
}
