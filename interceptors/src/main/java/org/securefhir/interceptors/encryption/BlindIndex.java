package org.securefhir.interceptors.encryption;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Property;
import org.hl7.fhir.r4.model.Resource;

/**
 * Blind indexes: exact-match search over encrypted values through keyed HMAC-SHA256 tokens of
 * their normalized forms, stored as codings of the {@value #URL} extension (system = the index,
 * code = the first 128 bits of {@code HMAC(key, index ‖ 0 ‖ value)}) and indexed by HAPI through the
 * {@code blind-index} token search parameter. The key is separate from every data key. The index
 * name is part of the MAC, so equal values in different fields do not link.
 *
 * <p>Normalization: names upper-cased ({@link Locale#ROOT}) without accents and with single spaces;
 * phone numbers as their digits; e-mail addresses lower-cased; postal codes upper-cased without
 * spaces; identifiers exactly; dates as written, plus their year and year-month, so that {@code
 * birthdate=1970} matches every birth date in 1970.
 */
public final class BlindIndex {

    public static final String URL = "https://securefhir.org/fhir/StructureDefinition/blind-index";
    public static final String SEARCH_PARAMETER = "blind-index";
    private static final Pattern MARKS = Pattern.compile("\\p{M}+");
    private static final Pattern SPACES = Pattern.compile("\\s+");

    private final ThreadLocal<Mac> macs;

    public BlindIndex(byte[] key) {
        byte[] copy = key.clone();
        this.macs = ThreadLocal.withInitial(() -> {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(copy, "HmacSHA256"));
                return mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is not available", e);
            }
        });
    }

    /** The token of a normalized value in one index. */
    public String token(String index, String normalized) {
        Mac mac = macs.get();
        mac.update(index.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) 0);
        byte[] digest = mac.doFinal(normalized.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, 16);
    }

    /**
     * The tokens of a resource's plaintext, for the elements that are encrypted. Call before
     * encrypting.
     */
    public List<Coding> tokens(IBaseResource resource, EncryptedFields fields) {
        if (!(resource instanceof DomainResource domain)) {
            return List.of();
        }
        String type = domain.fhirType();
        List<String[]> out = new ArrayList<>();
        if (domain instanceof Patient patient) {
            if (fields.covers(type, "name")) {
                for (HumanName name : patient.getName()) {
                    if (name.hasFamily()) {
                        out.add(new String[] {"family", text(name.getFamily())});
                        out.add(new String[] {"name", text(name.getFamily())});
                    }
                    name.getGiven().forEach(given -> {
                        out.add(new String[] {"given", text(given.getValue())});
                        out.add(new String[] {"name", text(given.getValue())});
                    });
                }
            }
            if (fields.covers(type, "birthDate") && patient.hasBirthDateElement()) {
                dates(patient.getBirthDateElement().getValueAsString())
                        .forEach(date -> out.add(new String[] {"birthdate", date}));
            }
            if (fields.covers(type, "telecom")) {
                for (ContactPoint telecom : patient.getTelecom()) {
                    if (!telecom.hasValue()) {
                        continue;
                    }
                    String system = telecom.hasSystem() ? telecom.getSystem().toCode() : "";
                    String value = contact(system, telecom.getValue());
                    out.add(new String[] {"telecom", system + "|" + value});
                    out.add(new String[] {"telecom-value", value});
                    if ("phone".equals(system)) {
                        out.add(new String[] {"phone", value});
                    } else if ("email".equals(system)) {
                        out.add(new String[] {"email", value});
                    }
                }
            }
            if (fields.covers(type, "address.postalCode")) {
                patient.getAddress().stream()
                        .filter(address -> address.hasPostalCode())
                        .forEach(address -> out.add(new String[] {"postalcode", postalCode(address.getPostalCode())}));
            }
        }
        if (fields.covers(type, "identifier.value")) {
            Property property = ((Resource) domain).getNamedProperty("identifier");
            if (property != null) {
                property.getValues().stream()
                        .filter(Identifier.class::isInstance)
                        .map(Identifier.class::cast)
                        .filter(Identifier::hasValue)
                        .forEach(identifier -> {
                            out.add(new String[] {
                                "identifier", identifier(identifier.getSystem(), identifier.getValue())
                            });
                            out.add(new String[] {
                                "identifier-value", identifier.getValue().trim()
                            });
                        });
            }
        }
        List<Coding> codings = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String[] entry : out) {
            if (entry[1].isEmpty()) {
                continue;
            }
            String code = token(entry[0], entry[1]);
            if (seen.add(entry[0] + "|" + code)) {
                codings.add(new Coding(entry[0], code, null));
            }
        }
        return codings;
    }

    /** Replaces the resource's blind-index extensions with these tokens. */
    public static void attach(IBaseResource resource, List<Coding> tokens) {
        if (resource instanceof DomainResource domain) {
            strip(domain);
            tokens.forEach(token -> domain.addExtension(new Extension(URL, token)));
        }
    }

    /** Removes the blind-index extensions (never shown to clients, never taken from them). */
    public static void strip(IBaseResource resource) {
        if (resource instanceof DomainResource domain) {
            domain.getExtension().removeIf(extension -> URL.equals(extension.getUrl()));
        }
    }

    static String text(String value) {
        if (value == null) {
            return "";
        }
        String decomposed = Normalizer.normalize(value, Normalizer.Form.NFD);
        return SPACES.matcher(MARKS.matcher(decomposed).replaceAll(""))
                .replaceAll(" ")
                .trim()
                .toUpperCase(Locale.ROOT);
    }

    static String contact(String system, String value) {
        if ("phone".equals(system) || "fax".equals(system) || "sms".equals(system) || "pager".equals(system)) {
            return value.replaceAll("[^0-9]", "");
        }
        return value.trim().toLowerCase(Locale.ROOT);
    }

    static String postalCode(String value) {
        return SPACES.matcher(value).replaceAll("").toUpperCase(Locale.ROOT);
    }

    static String identifier(String system, String value) {
        return (system == null ? "" : system.trim()) + "|" + value.trim();
    }

    /** A date as written plus its year and year-month. */
    static List<String> dates(String date) {
        List<String> dates = new ArrayList<>();
        if (date == null || date.length() < 4) {
            return dates;
        }
        dates.add(date.substring(0, 4));
        if (date.length() >= 7) {
            dates.add(date.substring(0, 7));
        }
        if (date.length() >= 10) {
            dates.add(date.substring(0, 10));
        }
        return dates;
    }
}
