package org.securefhir.consent;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.securefhir.interceptors.authorization.PurposeOfUse;

/**
 * One active patient privacy consent, parsed once from its FHIR {@code Consent} ({@link
 * ConsentDirectives#parse}) into what enforcement needs: whose it is, its category and its rule
 * tree (<a href="https://hl7.org/fhir/R4/consent.html#8.8.4.1">R4 Consent, provision
 * semantics</a>). A directive that could not be read is kept as {@link #unreadable}: it denies
 * everything it might have covered (fail closed).
 *
 * @param id {@code Consent/<id>}
 * @param patient the patient's id
 * @param category the category (which purposes of use it binds)
 * @param root the root provision; empty only for an unreadable directive
 */
public record ConsentDirective(String id, String patient, ConsentCategory category, Optional<Provision> root) {

    public enum Type {
        PERMIT,
        DENY
    }

    /**
     * A rule: when all its conditions hold for a request and a resource, its type applies, unless
     * a nested rule whose conditions also hold says otherwise (the most specific rule wins; of two
     * matching siblings, deny wins). An empty condition matches everything.
     *
     * @param actors requesters it names: {@code Practitioner/x}, {@code RelatedPerson/x}, {@code
     *     Patient/x} (the user's {@code fhirUser}) or {@code client:<client_id>} (an app)
     * @param purposes purposes of use
     * @param classes resource types
     * @param labels security label codes (e.g. {@code PSY}); a resource matches if it carries one
     * @param instances resources it names ({@code Type/id}, meaning {@code instance})
     * @param dependents resources it names with meaning {@code dependents}: they and every resource
     *     referring to them
     */
    public record Provision(
            Type type,
            Optional<Instant> start,
            Optional<Instant> end,
            Set<String> actors,
            Set<PurposeOfUse> purposes,
            Set<String> classes,
            Set<String> labels,
            Set<String> instances,
            Set<String> dependents,
            List<Provision> provisions) {

        public Provision {
            actors = Set.copyOf(actors);
            purposes = purposes.isEmpty() ? Set.of() : Set.copyOf(purposes);
            classes = Set.copyOf(classes);
            labels = Set.copyOf(labels);
            instances = Set.copyOf(instances);
            dependents = Set.copyOf(dependents);
            provisions = List.copyOf(provisions);
        }

        boolean matches(AccessRequest request, ResourceFacts resource) {
            if (start.isPresent() && request.now().isBefore(start.get())) {
                return false;
            }
            if (end.isPresent() && !request.now().isBefore(end.get())) {
                return false;
            }
            if (!actors.isEmpty() && actors.stream().noneMatch(request.actors()::contains)) {
                return false;
            }
            if (!purposes.isEmpty() && !purposes.contains(request.purpose())) {
                return false;
            }
            if (!classes.isEmpty() && !classes.contains(resource.type())) {
                return false;
            }
            if (!labels.isEmpty() && labels.stream().noneMatch(resource.labels()::contains)) {
                return false;
            }
            if (!instances.isEmpty() || !dependents.isEmpty()) {
                boolean named = instances.contains(resource.reference())
                        || dependents.contains(resource.reference())
                        || (!dependents.isEmpty() && dependents.stream().anyMatch(resource.references()::contains));
                return named;
            }
            return true;
        }

        /** The deciding rule in this subtree for the request and resource, if one matches. */
        Optional<Verdict> evaluate(AccessRequest request, ResourceFacts resource, Set<String> pathLabels) {
            if (!matches(request, resource)) {
                return Optional.empty();
            }
            Set<String> labelsHere = pathLabels;
            if (!labels.isEmpty()) {
                labelsHere = new HashSet<>(pathLabels);
                labelsHere.addAll(labels);
            }
            Verdict verdict = new Verdict(type, labelsHere);
            Verdict fromChildren = null;
            for (Provision child : provisions) {
                Optional<Verdict> nested = child.evaluate(request, resource, labelsHere);
                if (nested.isPresent() && (fromChildren == null || nested.get().type() == Type.DENY)) {
                    fromChildren = nested.get();
                }
            }
            return Optional.of(fromChildren != null ? fromChildren : verdict);
        }
    }

    /**
     * What a directive says about one resource for one request.
     *
     * @param labels the security labels the deciding rule (or a rule above it) named: a permit
     *     releases exactly these sensitive labels
     */
    public record Verdict(Type type, Set<String> labels) {}

    public ConsentDirective {
        root = root == null ? Optional.empty() : root;
    }

    /** A Consent that exists but cannot be enforced as written: it denies (fail closed). */
    public static ConsentDirective unreadable(String id, String patient) {
        return new ConsentDirective(id, patient, null, Optional.empty());
    }

    public boolean isUnreadable() {
        return root.isEmpty();
    }

    /**
     * Whether this directive binds the request at all: its category covers the stated purpose of
     * use or the requester's role default.
     */
    public boolean binds(AccessRequest request) {
        if (isUnreadable()) {
            return true;
        }
        return request.bindingPurposes().stream().anyMatch(category.purposes()::contains);
    }

    /**
     * Whether a permit of this directive releases data for the request: its category covers the
     * purpose the request states (a Consent that binds only by the role's default purpose may deny,
     * never permit another purpose).
     */
    public boolean permitsFor(AccessRequest request) {
        return !isUnreadable() && category.permits().contains(request.purpose());
    }

    /** The directive's verdict on a resource for a request, if one of its rules matches. */
    public Optional<Verdict> evaluate(AccessRequest request, ResourceFacts resource) {
        if (isUnreadable()) {
            return Optional.of(new Verdict(Type.DENY, Set.of()));
        }
        if (!binds(request)) {
            return Optional.empty();
        }
        return root.orElseThrow().evaluate(request, resource, Set.of());
    }
}
