package org.securefhir.interceptors.encryption;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rewrites searches on encrypted elements onto the blind indexes before they run or are cached,
 * so that no plaintext search value reaches the search cache, the audit trail or the database:
 * {@code family=Smith} becomes {@code blind-index=family|<token>}. Only exact matches can work on
 * ciphertext; every other search touching an encrypted element (other parameters such as {@code
 * address-city}, modifiers such as {@code :contains}, date comparisons such as {@code ge}, chains
 * ending in such parameters, {@code _sort}, {@code _text}/{@code _content}) is refused with 400 and
 * the reason.
 */
public final class BlindSearch {

    private static final Set<String> PATIENT_PARAMETERS =
            Set.of("family", "given", "name", "birthdate", "phone", "email", "telecom", "address-postalcode");
    private static final Set<String> ALWAYS_REFUSED = Set.of("_text", "_content");

    private final FhirContext fhir;
    private final EncryptedFields fields;
    private final BlindIndex index;
    private final Map<String, Set<String>> encryptedParameters = new ConcurrentHashMap<>();

    public BlindSearch(FhirContext fhir, EncryptedFields fields, BlindIndex index) {
        this.fhir = fhir;
        this.fields = fields;
        this.index = index;
    }

    /** The search parameters of a type that look into an encrypted element (by their FHIRPath). */
    public Set<String> encryptedParameters(String resourceType) {
        return encryptedParameters.computeIfAbsent(resourceType, type -> {
            Set<String> names = new TreeSet<>();
            RuntimeResourceDefinition definition;
            try {
                definition = fhir.getResourceDefinition(type);
            } catch (RuntimeException e) {
                return Set.of();
            }
            for (RuntimeSearchParam parameter : definition.getSearchParams()) {
                String path = parameter.getPath();
                if (path == null) {
                    continue;
                }
                for (String alternative : path.split("\\|")) {
                    String relative = relative(type, alternative.trim());
                    if (relative != null && fields.covers(type, relative)) {
                        names.add(parameter.getName());
                    }
                }
            }
            return Set.copyOf(names);
        });
    }

    /** {@code Patient.name.where(use='official').family} → {@code name.family}. */
    private static String relative(String type, String expression) {
        String path = expression.startsWith("(") ? expression.substring(1) : expression;
        if (!path.startsWith(type + ".")) {
            return null;
        }
        StringBuilder relative = new StringBuilder();
        for (String part : path.substring(type.length() + 1).split("\\.")) {
            if (part.isEmpty() || !Character.isLetter(part.charAt(0)) || part.contains("(") || part.contains(" ")) {
                String clean = part.split("[ (]")[0];
                if (!clean.isEmpty() && Character.isLetter(clean.charAt(0)) && !part.startsWith(clean + "(")) {
                    relative.append(relative.length() == 0 ? "" : ".").append(clean);
                }
                break;
            }
            relative.append(relative.length() == 0 ? "" : ".").append(part);
        }
        return relative.length() == 0 ? null : relative.toString();
    }

    /**
     * The parameters of a search of {@code resourceType} with those on encrypted elements replaced
     * by blind-index parameters; unchanged (the same map) when none is.
     *
     * @throws InvalidRequestException (400) for a search that cannot work on ciphertext
     */
    public Map<String, String[]> rewrite(String resourceType, Map<String, String[]> parameters) {
        Set<String> encrypted = resourceType == null ? Set.of() : encryptedParameters(resourceType);
        boolean touched = false;
        for (String name : parameters.keySet()) {
            String base = name.split(":")[0];
            if (ALWAYS_REFUSED.contains(base) && fields.narrative()) {
                throw refused(name, "the narrative is encrypted at rest, so full-text search is not available");
            }
            if (encrypted.contains(base)) {
                touched = true;
            }
            if (base.contains(".")) {
                chained(name);
            }
            if (base.equals("_sort")) {
                for (String value : parameters.get(name)) {
                    for (String key : value.split(",")) {
                        String parameter = key.startsWith("-") ? key.substring(1) : key;
                        if (encrypted.contains(parameter)) {
                            throw refused(
                                    "_sort=" + key, "'" + parameter + "' is encrypted at rest and cannot be sorted on");
                        }
                    }
                }
            }
        }
        if (!touched) {
            return parameters;
        }
        Map<String, String[]> rewritten = new LinkedHashMap<>();
        List<String> blind = new ArrayList<>();
        for (Map.Entry<String, String[]> entry : parameters.entrySet()) {
            String name = entry.getKey();
            String[] parts = name.split(":", 2);
            String base = parts[0];
            if (!encrypted.contains(base)) {
                rewritten.put(name, entry.getValue());
                continue;
            }
            String modifier = parts.length > 1 ? parts[1] : null;
            for (String value : entry.getValue()) {
                blind.add(rewriteValue(resourceType, base, modifier, value));
            }
        }
        String[] previous = rewritten.get(BlindIndex.SEARCH_PARAMETER);
        List<String> all = new ArrayList<>(previous == null ? List.of() : List.of(previous));
        all.addAll(blind);
        rewritten.put(BlindIndex.SEARCH_PARAMETER, all.toArray(String[]::new));
        return rewritten;
    }

    private void chained(String name) {
        String[] links = name.split("\\.");
        String last = links[links.length - 1].split(":")[0];
        for (String type : fields.configured().keySet()) {
            if (encryptedParameters(type).contains(last)) {
                throw refused(
                        name,
                        "'" + last + "' is encrypted at rest; chained searches on encrypted elements are not"
                                + " available (search " + type + " first, then by reference)");
            }
        }
    }

    private String rewriteValue(String resourceType, String parameter, String modifier, String value) {
        if (modifier != null && !"exact".equals(modifier)) {
            throw refused(
                    parameter + ":" + modifier,
                    "'" + parameter + "' is encrypted at rest; only exact matches are available, not :" + modifier);
        }
        List<String> tokens = new ArrayList<>();
        for (String alternative : split(value, ',')) {
            tokens.add(token(resourceType, parameter, alternative));
        }
        return String.join(",", tokens);
    }

    private String token(String resourceType, String parameter, String value) {
        boolean patient = "Patient".equals(resourceType) && PATIENT_PARAMETERS.contains(parameter);
        if (!patient && !"identifier".equals(parameter)) {
            throw refused(
                    parameter,
                    "'" + parameter + "' of " + resourceType + " is encrypted at rest and not searchable (exact"
                            + " search is available on family, given, name, identifier, birthdate, phone, email,"
                            + " telecom and address-postalcode)");
        }
        String raw = unescape(value);
        return switch (parameter) {
            case "family", "given", "name" -> coding(parameter, BlindIndex.text(raw));
            case "birthdate" -> coding("birthdate", date(raw));
            case "phone" -> coding("phone", BlindIndex.contact("phone", raw));
            case "email" -> coding("email", BlindIndex.contact("email", raw));
            case "address-postalcode" -> coding("postalcode", BlindIndex.postalCode(raw));
            case "telecom" -> {
                List<String> parts = split(value, '|');
                if (parts.size() == 2) {
                    String system = unescape(parts.get(0));
                    yield coding("telecom", system + "|" + BlindIndex.contact(system, unescape(parts.get(1))));
                }
                yield coding("telecom-value", BlindIndex.contact("", raw));
            }
            case "identifier" -> {
                List<String> parts = split(value, '|');
                if (parts.size() == 2) {
                    yield coding("identifier", BlindIndex.identifier(unescape(parts.get(0)), unescape(parts.get(1))));
                }
                yield coding("identifier-value", raw.trim());
            }
            default -> throw new IllegalStateException(parameter);
        };
    }

    private String coding(String index, String normalized) {
        return index + "|" + this.index.token(index, normalized);
    }

    private static String date(String value) {
        String date = value.startsWith("eq") ? value.substring(2) : value;
        if (!date.matches("\\d{4}(-\\d{2}(-\\d{2})?)?")) {
            throw refused(
                    "birthdate="
                            + (date.length() >= 2 && Character.isLetter(date.charAt(0)) ? date.substring(0, 2) : "…"),
                    "birthdate is encrypted at rest; only exact dates (YYYY, YYYY-MM or YYYY-MM-DD, optionally"
                            + " with eq) are searchable, not ranges or other prefixes");
        }
        return date;
    }

    private static InvalidRequestException refused(String what, String why) {
        return new InvalidRequestException("Search on " + what + " is not available: " + why
                + ". See docs/encryption.md, 'Searching encrypted fields'.");
    }

    /** Splits on unescaped separators (FHIR search escaping with backslash). */
    static List<String> split(String value, char separator) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                current.append(c).append(value.charAt(++i));
            } else if (c == separator) {
                parts.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString());
        return parts;
    }

    static String unescape(String value) {
        return value.replace("\\,", ",").replace("\\|", "|").replace("\\$", "$").replace("\\\\", "\\");
    }
}
