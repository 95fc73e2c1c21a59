package org.securefhir.interceptors.encryption;

import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;

/**
 * Applies {@link BlindSearch} to everything of a request that is a search: the parameters of a
 * search, the match URL of a conditional create ({@code If-None-Exist}), update or delete, and the
 * URLs of batch and transaction entries (searches, conditional entries, {@code ifNoneExist}).
 */
public final class SearchProtection {

    private final BlindSearch search;

    public SearchProtection(BlindSearch search) {
        this.search = search;
    }

    public void protect(RequestDetails request, RestOperationTypeEnum operation) {
        if (operation == null) {
            return;
        }
        switch (operation) {
            case SEARCH_TYPE, SEARCH_SYSTEM, GET_PAGE -> {
                String type =
                        request.getCompartmentName() != null ? request.getCompartmentName() : request.getResourceName();
                replaceParameters(request, type);
            }
            case CREATE -> {
                String match = request.getHeader(Constants.HEADER_IF_NONE_EXIST);
                if (match != null && !match.isBlank()) {
                    String rewritten = rewriteUrl(match, request.getResourceName());
                    if (!rewritten.equals(match)) {
                        request.setHeaders(Constants.HEADER_IF_NONE_EXIST, List.of(rewritten));
                        // what HAPI's conditional create reads (RequestDetails#getConditionalUrl)
                        request.setFixedConditionalUrl(
                                rewritten.contains("?") ? rewritten : request.getResourceName() + "?" + rewritten);
                    }
                }
            }
            case UPDATE, DELETE, PATCH -> {
                if ((request.getId() == null || !request.getId().hasIdPart())
                        && request.getCompleteUrl() != null
                        && request.getCompleteUrl().contains("?")) {
                    replaceParameters(request, request.getResourceName());
                }
            }
            case TRANSACTION, BATCH -> {
                if (request.getResource() instanceof Bundle bundle) {
                    for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
                        Bundle.BundleEntryRequestComponent entryRequest = entry.getRequest();
                        if (entryRequest.hasUrl() && entryRequest.getUrl().contains("?")) {
                            entryRequest.setUrl(rewriteUrl(entryRequest.getUrl(), null));
                        }
                        if (entryRequest.hasIfNoneExist()) {
                            entryRequest.setIfNoneExist(rewriteUrl(
                                    entryRequest.getIfNoneExist(),
                                    entry.hasResource() ? entry.getResource().fhirType() : null));
                        }
                    }
                }
            }
            default -> {}
        }
    }

    /** {@link BlindSearch#rewrite}: for searches made inside the server. */
    public Map<String, String[]> rewrite(String resourceType, Map<String, String[]> parameters) {
        return search.rewrite(resourceType, parameters);
    }

    /** HAPI hands out a new read-only view of the parameters on every call: compare with one. */
    private void replaceParameters(RequestDetails request, String type) {
        Map<String, String[]> parameters = request.getParameters();
        Map<String, String[]> rewritten = search.rewrite(type, parameters);
        if (rewritten != parameters) {
            request.setParameters(new LinkedHashMap<>(rewritten));
            request.setCompleteUrl(withQuery(request.getCompleteUrl(), rewritten));
        }
    }

    /**
     * A relative URL ({@code Patient?family=Smith}, or only the query, of {@code defaultType}) with
     * its search rewritten.
     *
     * @throws InvalidRequestException (400) for a search that cannot work on ciphertext
     */
    public String rewriteUrl(String url, String defaultType) {
        int question = url.indexOf('?');
        String path = question < 0 ? "" : url.substring(0, question);
        String query = question < 0 ? url : url.substring(question + 1);
        String type = path.contains("/") ? path.substring(path.lastIndexOf('/') + 1) : path;
        if (type.isEmpty() || !Character.isUpperCase(type.charAt(0))) {
            type = path.split("/")[0];
        }
        if (type.isEmpty() && defaultType != null) {
            type = defaultType;
        }
        Map<String, String[]> parameters = parse(query);
        Map<String, String[]> rewritten = search.rewrite(type.isEmpty() ? null : type, parameters);
        if (rewritten == parameters) {
            return url;
        }
        return (question < 0 ? "" : path + "?") + format(rewritten);
    }

    /**
     * The parameters with every value of a search on an encrypted element replaced by its blind
     * token, or withheld when the search is not one that could run: for records (the audit trail)
     * of requests that failed before they were rewritten. Never throws.
     */
    public Map<String, String[]> forRecords(String resourceType, Map<String, String[]> parameters) {
        try {
            return search.rewrite(resourceType, parameters);
        } catch (InvalidRequestException e) {
            Map<String, String[]> withheld = new LinkedHashMap<>();
            parameters.forEach((name, values) -> {
                String base = name.split(":")[0];
                boolean encrypted = resourceType != null
                                && search.encryptedParameters(resourceType).contains(base)
                        || base.contains(".")
                        || base.equals("_text")
                        || base.equals("_content");
                withheld.put(name, encrypted ? new String[] {"(withheld: encrypted field)"} : values);
            });
            return withheld;
        }
    }

    /** {@link #forRecords(String, Map)} of a raw (URL-encoded) query string. */
    public String forRecords(String resourceType, String query) {
        Map<String, String[]> parameters = parse(query);
        Map<String, String[]> kept = forRecords(resourceType, parameters);
        return kept == parameters ? query : format(kept);
    }

    static Map<String, String[]> parse(String query) {
        Map<String, List<String>> collected = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
            collected.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        Map<String, String[]> parameters = new LinkedHashMap<>();
        collected.forEach((name, values) -> parameters.put(name, values.toArray(String[]::new)));
        return parameters;
    }

    static String format(Map<String, String[]> parameters) {
        StringBuilder query = new StringBuilder();
        parameters.forEach((name, values) -> {
            for (String value : values) {
                if (query.length() > 0) {
                    query.append('&');
                }
                query.append(encode(name)).append('=').append(encode(value));
            }
        });
        return query.toString();
    }

    private static String withQuery(String completeUrl, Map<String, String[]> parameters) {
        if (completeUrl == null) {
            return null;
        }
        int question = completeUrl.indexOf('?');
        return (question < 0 ? completeUrl : completeUrl.substring(0, question)) + "?" + format(parameters);
    }

    private static String decode(String value) {
        return URLDecoder.decode(value, StandardCharsets.UTF_8);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8)
                .replace("%7C", "|")
                .replace("%2C", ",");
    }
}
