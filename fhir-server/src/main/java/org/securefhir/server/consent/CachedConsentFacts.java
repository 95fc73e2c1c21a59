package org.securefhir.server.consent;

import java.time.Instant;
import java.util.AbstractList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.securefhir.consent.BreakGlassGrants;
import org.securefhir.consent.ConsentDirective;
import org.securefhir.consent.ConsentDirectiveSource;
import org.securefhir.consent.TreatmentRelationships;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node-local cache of consent facts: each patient's active Consents and treatment
 * relationships, each user's break-glass declarations. Entries live until the {@link
 * ConsentChangeFeed} says they changed; while the feed is not fresh, nothing is served from the
 * cache. A load that raced with a change is used once but not kept.
 *
 * <p>Whenever the feed (re)connects, the node reads every patient's Consents in one pass (if they
 * fit in the cache): the cache is then <em>complete</em>, and a patient absent from it has no
 * Consent, so the first request about a patient costs no query either. A patient whose Consents
 * change is marked stale, never dropped (so completeness never claims "no Consent" for a patient
 * that has one), and read again in the background, so requests rarely wait for that query.
 */
final class CachedConsentFacts
        implements ConsentDirectiveSource, TreatmentRelationships, BreakGlassGrants, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CachedConsentFacts.class);

    /** A declaration as cached: which patient, until when, and how the audit trail names it. */
    record Grant(String patient, Instant expires, String declaration) {}

    /** Reads a user's declarations that have not expired. */
    @FunctionalInterface
    interface GrantLoader {
        List<Grant> load(String userId);
    }

    /** Reads every patient's active Consents at once, unless more than {@code maxPatients} have some. */
    @FunctionalInterface
    interface CompleteLoader {
        Optional<Map<String, List<ConsentDirective>>> all(int maxPatients);
    }

    /** Marks a patient whose Consents must be read again; each change gets its own marker. */
    private static final class Stale extends AbstractList<ConsentDirective> {
        @Override
        public ConsentDirective get(int index) {
            throw new IndexOutOfBoundsException(index);
        }

        @Override
        public int size() {
            return 0;
        }

        @Override
        public boolean equals(Object other) {
            return this == other;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    private final ConsentDirectiveSource directiveLoader;
    private final CompleteLoader completeLoader;
    private final TreatmentRelationships relationshipLoader;
    private final GrantLoader grantLoader;
    private final ConsentChangeFeed feed;
    private final int maxEntries;
    private final AtomicLong generation = new AtomicLong();
    private final Map<String, List<ConsentDirective>> directives = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Known>> treated = new ConcurrentHashMap<>();

    /**
     * How long an answer about a treatment relationship is kept: relationships also end with time
     * (an encounter finished long enough ago, a care team's period), not only with changes.
     */
    static final java.time.Duration RELATIONSHIP_TTL = java.time.Duration.ofMinutes(5);

    /** A cached answer and when it was found. */
    private record Known(boolean treats, long atNanos) {}

    private final Map<String, List<Grant>> grants = new ConcurrentHashMap<>();
    private final ExecutorService warmer = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "consent-cache-warm-up");
        thread.setDaemon(true);
        return thread;
    });
    /** Every patient with Consents is in {@link #directives}. */
    private volatile boolean complete;
    /** Reads a changed patient's Consents again in the background, so requests find them cached. */
    private final ThreadPoolExecutor refresher = new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(10_000),
            runnable -> {
                Thread thread = new Thread(runnable, "consent-cache-refresh");
                thread.setDaemon(true);
                return thread;
            },
            new ThreadPoolExecutor.DiscardPolicy()); // a patient left stale is read on first use
    /** While a warm-up reads: the patients whose Consents changed meanwhile. */
    private volatile Set<String> changedDuringWarmUp;

    CachedConsentFacts(
            ConsentDirectiveSource directiveLoader,
            CompleteLoader completeLoader,
            TreatmentRelationships relationshipLoader,
            GrantLoader grantLoader,
            ConsentChangeFeed feed,
            int maxEntries) {
        this.directiveLoader = directiveLoader;
        this.completeLoader = completeLoader;
        this.relationshipLoader = relationshipLoader;
        this.grantLoader = grantLoader;
        this.feed = feed;
        this.maxEntries = maxEntries;
        feed.subscribe(this::invalidate);
        warmer.execute(this::warmUp); // the feed may have connected before this subscribed
    }

    /** Drops what a change may have touched: {@code p:<patient>}, {@code u:<user>} or {@code *}. */
    void invalidate(String key) {
        generation.incrementAndGet();
        if (key.startsWith("p:")) {
            String patient = key.substring(2);
            Set<String> warming = changedDuringWarmUp;
            if (warming != null) {
                warming.add(patient);
            }
            if (complete || warming != null) {
                Stale marker = new Stale();
                directives.put(patient, marker);
                refresher.execute(() -> refresh(patient, marker));
            } else {
                directives.remove(patient);
            }
            treated.remove(patient);
        } else if (key.startsWith("u:")) {
            grants.remove(key.substring(2));
        } else {
            complete = false; // before clearing: a reader that finds nothing must not take it for "none"
            directives.clear();
            treated.clear();
            grants.clear();
            warmer.execute(this::warmUp);
        }
    }

    /** Reads every patient's Consents into the cache and, if they all fit, declares it complete. */
    void warmUp() {
        Set<String> changed = ConcurrentHashMap.newKeySet();
        changedDuringWarmUp = changed;
        try {
            long started = System.nanoTime();
            Optional<Map<String, List<ConsentDirective>>> all = completeLoader.all(maxEntries);
            if (all.isEmpty()) {
                log.info(
                        "Consent cache not warmed up: more than {} patients have Consents, or some are not stored"
                                + " as JSON text; patients' Consents are read on first use",
                        maxEntries);
                return;
            }
            all.get().forEach((patient, found) -> {
                if (!changed.contains(patient)) {
                    directives.putIfAbsent(patient, found);
                }
            });
            complete = true;
            log.info(
                    "Consent cache warmed up: {} patients with Consents, in {} ms",
                    all.get().size(),
                    (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException e) {
            log.warn("Consent cache warm-up failed ({}); patients' Consents are read on first use", e.toString());
        } finally {
            changedDuringWarmUp = null;
            changed.forEach(patient -> directives.put(patient, new Stale()));
        }
    }

    /** Replaces a stale mark with the patient's Consents, unless another change marked them since. */
    private void refresh(String patient, Stale marker) {
        if (directives.get(patient) != marker || !feed.fresh()) {
            return;
        }
        try {
            directives.replace(patient, marker, directiveLoader.active(patient));
        } catch (RuntimeException e) {
            log.debug("Consents of a changed patient not refreshed ({}); read on first use", e.toString());
        }
    }

    @Override
    public List<ConsentDirective> active(String patient) {
        if (!feed.fresh()) {
            return directiveLoader.active(patient);
        }
        List<ConsentDirective> cached = directives.get(patient);
        if (cached != null && !(cached instanceof Stale)) {
            return cached;
        }
        if (cached == null && complete) {
            return List.of();
        }
        long before = generation.get();
        List<ConsentDirective> loaded = directiveLoader.active(patient);
        if (generation.get() == before) {
            if (cached instanceof Stale) {
                directives.replace(patient, cached, loaded);
            } else {
                bound(directives);
                directives.putIfAbsent(patient, loaded);
            }
        }
        return loaded;
    }

    @Override
    public boolean treats(String practitioner, String patient) {
        if (!feed.fresh()) {
            return relationshipLoader.treats(practitioner, patient);
        }
        Map<String, Known> byPractitioner = treated.get(patient);
        Known known = byPractitioner == null ? null : byPractitioner.get(practitioner);
        if (known != null && System.nanoTime() - known.atNanos() < RELATIONSHIP_TTL.toNanos()) {
            return known.treats();
        }
        long before = generation.get();
        boolean treats = relationshipLoader.treats(practitioner, patient);
        if (generation.get() == before) {
            bound(treated);
            treated.computeIfAbsent(patient, p -> new ConcurrentHashMap<>())
                    .put(practitioner, new Known(treats, System.nanoTime()));
        }
        return treats;
    }

    @Override
    public Map<String, String> declarations(String userId, Instant now) {
        Map<String, String> inForce = new HashMap<>();
        cached(grants, userId, grantLoader::load).stream()
                .filter(grant -> grant.expires().isAfter(now))
                .forEach(grant -> inForce.put(grant.patient(), grant.declaration()));
        return Map.copyOf(inForce);
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
            if (cache == directives) {
                complete = false; // before clearing, as above
            }
            cache.clear();
        }
    }

    @Override
    public void close() {
        warmer.shutdownNow();
        refresher.shutdownNow();
    }
}
