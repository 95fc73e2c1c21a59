package org.securefhir.interceptors.authorization;

import java.util.Optional;

/**
 * Who started a search whose further pages can be fetched by id ({@code _getpages}); shared by
 * every node of the server, so that a page id leaked to someone else is worthless.
 */
public interface SearchOwners {

    /** Records the owner of a search unless it has one already. */
    void claim(String searchId, String ownerDigest);

    Optional<String> owner(String searchId);
}
