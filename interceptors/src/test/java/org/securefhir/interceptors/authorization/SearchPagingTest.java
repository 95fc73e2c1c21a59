package org.securefhir.interceptors.authorization;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

class SearchPagingTest {

    /** The owners table, in memory (the JDBC one is exercised by the paging ITs). */
    private final Map<String, String> table = new HashMap<>();

    private final SearchPaging paging = new SearchPaging(new SearchOwners() {
        @Override
        public void claim(String searchId, String ownerDigest) {
            table.putIfAbsent(searchId, ownerDigest);
        }

        @Override
        public Optional<String> owner(String searchId) {
            return Optional.ofNullable(table.get(searchId));
        }
    });

    private static AccessToken token(String subject, String client) {
        return AccessToken.of(
                subject, client, List.of("user/*.rs"), Optional.empty(), Optional.empty(), List.of("nurse"));
    }

    private static Bundle pageWithNext(String searchId) {
        Bundle bundle = new Bundle();
        bundle.addLink().setRelation("self").setUrl("https://h/fhir/Patient?name=x");
        bundle.addLink()
                .setRelation("next")
                .setUrl("https://h/fhir?_getpages=" + searchId + "&_getpagesoffset=20&_count=20");
        return bundle;
    }

    @Test
    void whenTheFirstPageIsAnsweredThenItsTokenMayFetchTheNextAndAnotherUserMayNot() {
        AccessToken alice = token("alice", "app");
        paging.claimPages(pageWithNext("search-1"), alice);

        assertThat(paging.mayFetch("search-1", Optional.of(alice))).isTrue();
        assertThat(paging.mayFetch("search-1", Optional.of(token("bob", "app"))))
                .isFalse();
    }

    @Test
    void whenTheSameUserUsesAnotherAppThenThePagesAreNotTheirs() {
        paging.claimPages(pageWithNext("search-2"), token("alice", "app"));

        assertThat(paging.mayFetch("search-2", Optional.of(token("alice", "other-app"))))
                .isFalse();
    }

    @Test
    void whenAPageIdWasNeverClaimedOrNoTokenIsGivenThenNobodyMayFetchIt() {
        paging.claimPages(pageWithNext("search-3"), token("alice", "app"));

        assertThat(paging.mayFetch("never-claimed", Optional.of(token("alice", "app"))))
                .isFalse();
        assertThat(paging.mayFetch("search-3", Optional.empty())).isFalse();
    }

    @Test
    void whenSomeoneElseGetsAPageOfTheSameSearchLaterThenTheFirstOwnerKeepsIt() {
        paging.claimPages(pageWithNext("search-4"), token("alice", "app"));
        paging.claimPages(pageWithNext("search-4"), token("mallory", "app")); // a cached search reused

        assertThat(paging.mayFetch("search-4", Optional.of(token("alice", "app"))))
                .isTrue();
        assertThat(paging.mayFetch("search-4", Optional.of(token("mallory", "app"))))
                .isFalse();
    }

    @Test
    void whenAResponseIsNotABundleOrLinksNoPagesThenNothingIsClaimed() {
        paging.claimPages(new Patient(), token("alice", "app"));
        Bundle single = new Bundle();
        single.addLink().setRelation("self").setUrl("https://h/fhir/Patient?name=x");
        paging.claimPages(single, token("alice", "app"));

        assertThat(table).isEmpty();
    }

    @Test
    void whenAPageIdIsEncodedInTheLinkThenItIsClaimedDecodedAndStoredOnlyAsADigest() {
        paging.claimPages(pageWithNext("a%2Fb"), token("alice", "app"));

        assertThat(paging.mayFetch("a/b", Optional.of(token("alice", "app")))).isTrue();
        assertThat(table.keySet())
                .allSatisfy(key -> assertThat(key).matches("[0-9a-f]{64}").doesNotContain("a/b"));
        assertThat(table.values())
                .allSatisfy(owner -> assertThat(owner).matches("[0-9a-f]{64}").doesNotContain("alice"));
    }
}
