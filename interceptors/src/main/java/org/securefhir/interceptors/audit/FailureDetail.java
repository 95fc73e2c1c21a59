package org.securefhir.interceptors.audit;

import java.util.List;

/**
 * The outcome detail an audit record keeps of a refused or failed request: the status and the
 * reason, never a value of the request. HAPI's parser and search messages quote what the client
 * sent ({@code Invalid attribute value "1990-13-45"}, a name searched for), and audit rows are
 * append-only: a quoted value is replaced by {@code "…"} unless it names an element or a search
 * parameter, which is where the problem is.
 */
final class FailureDetail {

    private static final int MAX = 300;
    /** What may precede a quoted name (kept); any other quoted text is a value (dropped). */
    private static final List<String> NAMES = List.of("element=", "element ", "parameter ", "type ");

    private FailureDetail() {}

    static String of(int status, String message) {
        String detail = status + " " + withoutValues(message == null ? "" : message);
        return detail.length() > MAX ? detail.substring(0, MAX) : detail;
    }

    /** Quoted segments, read in pairs from the left, are kept only where they name something. */
    private static String withoutValues(String message) {
        StringBuilder out = new StringBuilder(message.length());
        int i = 0;
        while (i < message.length()) {
            char c = message.charAt(i);
            int close = (c == '"' || c == '\'') ? message.indexOf(c, i + 1) : -1;
            if (close < 0) {
                out.append(c);
                i++;
                continue;
            }
            String before = message.substring(0, i);
            boolean name = NAMES.stream().anyMatch(before::endsWith);
            out.append(name ? message.substring(i, close + 1) : c + "…" + c);
            i = close + 1;
        }
        return out.toString();
    }
}
