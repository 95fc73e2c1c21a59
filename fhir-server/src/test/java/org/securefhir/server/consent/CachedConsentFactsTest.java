package org.securefhir.server.consent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.securefhir.consent.ConsentDirective;

/** The node cache never serves what it cannot vouch for. */
class CachedConsentFactsTest {

    @Test
    void whenChangeFeedHasNotHeardFromTheDatabaseThenEveryLookupReadsTheStore() {
        // given a feed whose listener never ran (as after a lost connection)
        ConsentChangeFeed silent = new ConsentChangeFeed(null, null, Clock.systemUTC(), Duration.ofSeconds(1));
        AtomicInteger directiveReads = new AtomicInteger();
        AtomicInteger relationshipReads = new AtomicInteger();
        AtomicInteger grantReads = new AtomicInteger();
        CachedConsentFacts facts = new CachedConsentFacts(
                patient -> {
                    directiveReads.incrementAndGet();
                    return List.of(ConsentDirective.unreadable("Consent/1", patient));
                },
                max -> Optional.empty(),
                (practitioner, patient) -> relationshipReads.incrementAndGet() > 0,
                user -> {
                    grantReads.incrementAndGet();
                    return List.of(
                            new CachedConsentFacts.Grant("p1", Instant.now().plusSeconds(60), "declaration d1 other"));
                },
                silent,
                100);

        // when the same facts are asked for twice
        for (int i = 0; i < 2; i++) {
            facts.active("p1");
            facts.treats("Practitioner/x", "p1");
            facts.declarations("u1", Instant.now());
        }

        // then the store answered both times
        assertThat(silent.fresh()).isFalse();
        assertThat(directiveReads).hasValue(2);
        assertThat(relationshipReads).hasValue(2);
        assertThat(grantReads).hasValue(2);
    }

    @Test
    void whenDeclarationExpiresThenItIsNoLongerInForceEvenIfCached() {
        ConsentChangeFeed silent = new ConsentChangeFeed(null, null, Clock.systemUTC(), Duration.ofSeconds(1));
        Instant expires = Instant.parse("2026-11-26T10:00:00Z");
        CachedConsentFacts facts = new CachedConsentFacts(
                patient -> List.of(),
                max -> Optional.empty(),
                (practitioner, patient) -> false,
                user -> List.of(new CachedConsentFacts.Grant("p1", expires, "declaration d1 other")),
                silent,
                100);

        assertThat(facts.declarations("u1", expires.minusSeconds(1))).containsOnlyKeys("p1");
        assertThat(facts.declarations("u1", expires)).isEmpty();
    }

    @Test
    void whenWarmedUpThenPatientsWithoutConsentCostNoQueryAndChangedOnesAreReadAgain() {
        // given a fresh feed and a store where only p1 has a Consent
        ConsentChangeFeed feed = new ConsentChangeFeed(null, null, Clock.systemUTC(), Duration.ofSeconds(1));
        feed.heard();
        AtomicInteger reads = new AtomicInteger();
        Map<String, List<ConsentDirective>> store = new ConcurrentHashMap<>();
        store.put("p1", List.of(ConsentDirective.unreadable("Consent/1", "p1")));
        CachedConsentFacts facts = new CachedConsentFacts(
                patient -> {
                    reads.incrementAndGet();
                    return store.getOrDefault(patient, List.of());
                },
                max -> Optional.of(Map.copyOf(store)),
                (practitioner, patient) -> false,
                user -> List.of(),
                feed,
                100);

        // when the cache is warmed up
        facts.warmUp();

        // then nobody's Consents need a query, with or without Consents
        assertThat(facts.active("p1")).hasSize(1);
        assertThat(facts.active("p2")).isEmpty();
        assertThat(reads).hasValue(0);
        // and a patient whose Consents change is read again, not taken for "none"
        store.put("p2", List.of(ConsentDirective.unreadable("Consent/2", "p2")));
        facts.invalidate("p:p2");
        assertThat(facts.active("p2")).hasSize(1);
        assertThat(facts.active("p2")).hasSize(1);
        // read once on the request path or in the background refresh (or both, if they raced)
        assertThat(reads.get()).isBetween(1, 2);
    }

    @Test
    void whenConsentChangesDuringWarmUpThenThatPatientIsReadAgain() {
        ConsentChangeFeed feed = new ConsentChangeFeed(null, null, Clock.systemUTC(), Duration.ofSeconds(1));
        feed.heard();
        Map<String, List<ConsentDirective>> store = new ConcurrentHashMap<>();
        CachedConsentFacts[] holder = new CachedConsentFacts[1];
        CachedConsentFacts facts = new CachedConsentFacts(
                patient -> store.getOrDefault(patient, List.of()),
                max -> {
                    Map<String, List<ConsentDirective>> snapshot = Map.copyOf(store); // read before the change
                    store.put("p3", List.of(ConsentDirective.unreadable("Consent/3", "p3")));
                    holder[0].invalidate("p:p3"); // committed while the warm-up was reading
                    return Optional.of(snapshot);
                },
                (practitioner, patient) -> false,
                user -> List.of(),
                feed,
                100);
        holder[0] = facts;

        facts.warmUp();

        assertThat(facts.active("p3")).hasSize(1);
    }
}
