package org.securefhir.interceptors.audit;

import java.util.Map;

/**
 * What an audit record may keep of a request's search: with field encryption, values of searches
 * on encrypted elements are replaced by their blind-index tokens (or withheld), so the audit trail
 * holds no plaintext PHI, also for requests refused before their search was rewritten.
 */
public interface QueryProtection {

    QueryProtection NONE = new QueryProtection() {
        @Override
        public Map<String, String[]> parameters(String resourceType, Map<String, String[]> parameters) {
            return parameters;
        }

        @Override
        public String query(String resourceType, String query) {
            return query;
        }
    };

    /** Decoded parameters, as HAPI holds them. */
    Map<String, String[]> parameters(String resourceType, Map<String, String[]> parameters);

    /** A raw (URL-encoded) query string without its {@code ?}. */
    String query(String resourceType, String query);
}
