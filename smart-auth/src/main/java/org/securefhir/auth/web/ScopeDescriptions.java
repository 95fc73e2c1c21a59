package org.securefhir.auth.web;

import java.util.Map;

/** Plain-language descriptions of SMART scopes for the consent screen. */
final class ScopeDescriptions {

    private static final Map<String, String> FIXED = Map.of(
            "openid", "Confirm who you are",
            "fhirUser", "Know which person in the record system you are",
            "profile", "See your name",
            "launch", "Open in the context of your current record system session",
            "launch/patient", "Know which patient is selected",
            "launch/encounter", "Know which visit is selected",
            "offline_access", "Keep access after you sign out, until you revoke it (up to 90 days without use)",
            "online_access", "Keep access while you stay signed in");

    private ScopeDescriptions() {}

    static String describe(String scope) {
        String fixed = FIXED.get(scope);
        if (fixed != null) {
            return fixed;
        }
        int slash = scope.indexOf('/');
        int dot = scope.indexOf('.', slash + 1);
        if (slash < 0 || dot < 0) {
            return scope;
        }
        String context = scope.substring(0, slash);
        String type = scope.substring(slash + 1, dot);
        String rights = scope.substring(dot + 1);
        int query = rights.indexOf('?');
        String filter = query < 0 ? "" : " (only " + rights.substring(query + 1) + ")";
        rights = query < 0 ? rights : rights.substring(0, query);
        String what = "*".equals(type) ? "all record types" : type + " records";
        String whose = switch (context) {
            case "patient" -> "of the selected patient";
            case "user" -> "that you are allowed to see";
            case "system" -> "of all patients (system access)";
            default -> "";
        };
        String verbs = switch (rights) {
            case "read" -> "Read";
            case "write" -> "Create and change";
            case "*" -> "Read, create and change";
            default -> verbsOf(rights);
        };
        return verbs + " " + what + " " + whose + filter;
    }

    private static String verbsOf(String v2) {
        StringBuilder verbs = new StringBuilder();
        append(verbs, v2.contains("c"), "create");
        append(verbs, v2.contains("r"), "read");
        append(verbs, v2.contains("u"), "update");
        append(verbs, v2.contains("d"), "delete");
        append(verbs, v2.contains("s"), "search");
        String text = verbs.toString();
        return text.isEmpty() ? v2 : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    private static void append(StringBuilder verbs, boolean present, String verb) {
        if (present) {
            verbs.append(verbs.isEmpty() ? "" : ", ").append(verb);
        }
    }
}
