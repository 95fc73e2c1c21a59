package org.securefhir.server.consent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
                (practitioner, patient) -> relationshipReads.incrementAndGet() > 0,
                user -> {
                    grantReads.incrementAndGet();
                    return List.of(
                            new CachedConsentFacts.Grant("p1", Instant.now().plusSeconds(60)));
                },
                silent,
                100);

        // when the same facts are asked for twice
        for (int i = 0; i < 2; i++) {
            facts.active("p1");
            facts.treats("Practitioner/x", "p1");
            facts.patients("u1", Instant.now());
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
                (practitioner, patient) -> false,
                user -> List.of(new CachedConsentFacts.Grant("p1", expires)),
                silent,
                100);

        assertThat(facts.patients("u1", expires.minusSeconds(1))).containsExactly("p1");
        assertThat(facts.patients("u1", expires)).isEmpty();
    }
}
