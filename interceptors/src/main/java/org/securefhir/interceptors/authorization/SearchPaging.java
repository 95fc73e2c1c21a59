package org.securefhir.interceptors.authorization;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.securefhir.smart.Sha256;

/**
 * Binds the further pages of a search ({@code ?_getpages=<id>} links) to whoever got its first
 * page: the user and app (token {@code sub} and {@code client_id}, so a refreshed token keeps its
 * pages). A page fetched with anyone else's token is refused, even if their own rights would
 * cover what it holds.
 */
final class SearchPaging {

    static final String PAGES_PARAMETER = "_getpages";
    private static final Pattern PAGES_ID = Pattern.compile("[?&]" + PAGES_PARAMETER + "=([^&#]+)");

    private final SearchOwners owners;

    SearchPaging(SearchOwners owners) {
        this.owners = owners;
    }

    /** Records the token as owner of every search a response links pages of. */
    void claimPages(IBaseResource response, AccessToken token) {
        if (!(response instanceof Bundle bundle)) {
            return;
        }
        String owner = null;
        for (Bundle.BundleLinkComponent link : bundle.getLink()) {
            Matcher matcher = PAGES_ID.matcher(link.getUrl() == null ? "" : link.getUrl());
            if (matcher.find()) {
                owner = owner == null ? owner(token) : owner;
                owners.claim(key(URLDecoder.decode(matcher.group(1), StandardCharsets.UTF_8)), owner);
            }
        }
    }

    /** Whether the token may fetch pages of this search. */
    boolean mayFetch(String searchId, Optional<AccessToken> token) {
        Optional<String> owner = owners.owner(key(searchId));
        return token.isPresent()
                && owner.isPresent()
                && MessageDigest.isEqual(
                        owner.get().getBytes(StandardCharsets.US_ASCII),
                        owner(token.get()).getBytes(StandardCharsets.US_ASCII));
    }

    /** Page ids can be long (some carry their query): stored by digest. */
    private static String key(String searchId) {
        return HexFormat.of().formatHex(Sha256.of(searchId));
    }

    static String owner(AccessToken token) {
        return HexFormat.of().formatHex(Sha256.of(token.subject() + "\n" + token.clientId()));
    }
}
