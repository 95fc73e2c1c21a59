package org.securefhir.server.web;

/**
 * The characters Spring Security's {@code StrictHttpFirewall} allows in header names, header
 * values and parameter names, checked with a loop instead of its regular expressions
 * ({@code [\p{IsAssigned}&&[^\p{IsControl}]]*}, and for values the same plus tab). Same answers
 * for every string (a test compares both over every code point), but the firewall runs these on
 * every header a request's handling reads, several times per request: the regular expression over
 * a bearer token (about a kilobyte) was a quarter of a FHIR search's CPU whenever the JIT left the
 * regex engine's shared, megamorphic character-class loop uninlined.
 */
final class HeaderCharacters {

    private HeaderCharacters() {}

    /** Header and parameter names: every code point assigned and not a control character. */
    static boolean allowedName(String name) {
        return allowed(name, false);
    }

    /** Header values: every code point assigned and not a control character other than tab. */
    static boolean allowedValue(String value) {
        return allowed(value, true);
    }

    private static boolean allowed(String text, boolean tab) {
        for (int i = 0; i < text.length(); ) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f) { // printable ASCII, the usual case
                i++;
                continue;
            }
            int codePoint = text.codePointAt(i);
            int type = Character.getType(codePoint);
            if (type == Character.UNASSIGNED || (type == Character.CONTROL && !(tab && codePoint == '\t'))) {
                return false;
            }
            i += Character.charCount(codePoint);
        }
        return true;
    }
}
