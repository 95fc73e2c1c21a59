package org.securefhir.server.consent;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.securefhir.consent.BreakGlassGrants;
import org.securefhir.consent.ConsentDirective;
import org.securefhir.consent.ConsentDirectiveSource;
import org.securefhir.consent.TreatmentRelationships;

/**
 * The node-local cache of consent facts: each patient's active Consents and treatment
 * relationships, each user's break-glass declarations. Entries live until the {@link
 * ConsentChangeFeed} says they changed; while the feed is not fresh, nothing is served from the
 * cache. A load that raced with a change is used once but not kept.
 */
final class CachedConsentFacts implements ConsentDirectiveSource, TreatmentRelationships, BreakGlassGrants {

    /** A declaration as cached: which patient, until when. */
    record Grant(String patient, Instant expires) {}

    /** Reads a user's declarations that have not expired. */
    @FunctionalInterface
    interface GrantLoader {
        List<Grant> load(String userId);
    }

    private final ConsentDirectiveSource directiveLoader;
    private final TreatmentRelationships relationshipLoader;
    private final GrantLoader grantLoader;
    private final ConsentChangeFeed feed;
    private final int maxEntries;
    private final AtomicLong generation = new AtomicLong();
    private final Map<String, List<ConsentDirective>> directives = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Boolean>> treated = new ConcurrentHashMap<>();
    private final Map<String, List<Grant>> grants = new ConcurrentHashMap<>();

    CachedConsentFacts(
            ConsentDirectiveSource directiveLoader,
            TreatmentRelationships relationshipLoader,
            GrantLoader grantLoader,
            ConsentChangeFeed feed,
            int maxEntries) {
        this.directiveLoader = directiveLoader;
        this.relationshipLoader = relationshipLoader;
        this.grantLoader = grantLoader;
        this.feed = feed;
        this.maxEntries = maxEntries;
        feed.subscribe(this::invalidate);
    }

    /** Drops what a change may have touched: {@code p:<patient>}, {@code u:<user>} or {@code *}. */
    void invalidate(String key) {
        generation.incrementAndGet();
        if (key.startsWith("p:")) {
            String patient = key.substring(2);
            directives.remove(patient);
            treated.remove(patient);
        } else if (key.startsWith("u:")) {
            grants.remove(key.substring(2));
        } else {
            directives.clear();
            treated.clear();
            grants.clear();
        }
    }

    @Override
    public List<ConsentDirective> active(String patient) {
        return cached(directives, patient, directiveLoader::active);
    }

    @Override
    public boolean treats(String practitioner, String patient) {
        if (!feed.fresh()) {
            return relationshipLoader.treats(practitioner, patient);
        }
        Map<String, Boolean> byPractitioner = treated.get(patient);
        Boolean known = byPractitioner == null ? null : byPractitioner.get(practitioner);
        if (known != null) {
            return known;
        }
        long before = generation.get();
        boolean treats = relationshipLoader.treats(practitioner, patient);
        if (generation.get() == before) {
            bound(treated);
            treated.computeIfAbsent(patient, p -> new ConcurrentHashMap<>()).put(practitioner, treats);
        }
        return treats;
    }

    @Override
    public Set<String> patients(String userId, Instant now) {
        return cached(grants, userId, grantLoader::load).stream()
                .filter(grant -> grant.expires().isAfter(now))
                .map(Grant::patient)
                .collect(Collectors.toUnmodifiableSet());
    }

    private <V> V cached(Map<String, V> cache, String key, Function<String, V> loader) {
        if (!feed.fresh()) {
            return loader.apply(key);
        }
        V value = cache.get(key);
        if (value != null) {
            return value;
        }
        long before = generation.get();
        value = loader.apply(key);
        if (generation.get() == before) {
            bound(cache);
            cache.put(key, value);
        }
        return value;
    }

    private void bound(Map<String, ?> cache) {
        if (cache.size() >= maxEntries) {
            cache.clear();
        }
    }
}
