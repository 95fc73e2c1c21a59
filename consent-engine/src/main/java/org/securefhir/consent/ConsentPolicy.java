package org.securefhir.consent;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.securefhir.interceptors.authorization.PurposeOfUse;

/**
 * Decides whether one resource may be shown for one request (plain Java, no servlet or storage
 * types). For each patient whose compartment holds the resource, in this order:
 *
 * <ol>
 *   <li>the patient themselves always sees their own record;
 *   <li>a clinician who must have a treatment relationship and has none is refused;
 *   <li>the patient's Consents that bind the request (their category covers its purpose of use)
 *       are evaluated; any deny wins (deny overrides);
 *   <li>without a permitting Consent, a purpose of use that is not permitted by default (research,
 *       marketing, patient-requested disclosure) is refused;
 *   <li>a sensitive security label the requester's roles are not cleared for is refused unless a
 *       permitting Consent rule names that label;
 *   <li>a refusal becomes a permit when the requester has declared break-glass for the patient
 *       (role limits are not this policy's: they were applied before it).
 * </ol>
 * A resource of no patient ({@link org.securefhir.interceptors.ownership.PatientOwnership}) is
 * judged on its security labels alone; one whose owner cannot be decided is withheld from
 * requesters bound by the treatment relationship. A resource in
 * several compartments is shown only if every patient's rules allow it.
 */
public final class ConsentPolicy {

    /** What the policy needs to know about patients, answered per request. */
    public interface PatientFacts {

        /** The patient's active Consents (readable or not). */
        List<ConsentDirective> directives(String patient);

        /** Whether the practitioner ({@code Practitioner/x}) has a treatment relationship with the patient. */
        boolean treats(String practitioner, String patient);

        /** The requester's break-glass declaration in force for the patient, as the audit trail names it. */
        Optional<String> breakGlass(String patient);
    }

    private final Set<PurposeOfUse> permittedByDefault;
    private final Set<String> sensitiveLabels;

    /**
     * @param permittedByDefault purposes of use served without a Consent (treatment, payment,
     *     operations: HIPAA 45 CFR 164.506); others need a permitting Consent
     * @param sensitiveLabels security label codes that only cleared roles or a Consent release
     */
    public ConsentPolicy(Set<PurposeOfUse> permittedByDefault, Set<String> sensitiveLabels) {
        this.permittedByDefault = Set.copyOf(permittedByDefault);
        this.sensitiveLabels = Set.copyOf(sensitiveLabels);
    }

    public Decision decide(AccessRequest request, ResourceFacts resource, PatientFacts facts) {
        Set<String> uncleared = new TreeSet<>();
        for (String label : resource.labels()) {
            if (sensitiveLabels.contains(label) && !request.clearedLabels().contains(label)) {
                uncleared.add(label);
            }
        }
        if (!resource.ownerDecided() && request.relationshipRequired()) {
            return undecidedOwner();
        }
        if (resource.patients().isEmpty()) {
            return uncleared.isEmpty()
                    ? Decision.permit(Decision.Reason.NOT_RESTRICTED)
                    : Decision.deny(
                            Decision.Reason.SENSITIVE_LABEL,
                            Optional.empty(),
                            Optional.of(uncleared.iterator().next()));
        }
        Decision result = Decision.permit(Decision.Reason.NOT_RESTRICTED);
        for (String patient : resource.patients()) {
            Decision decision = forPatient(request, resource, patient, uncleared, facts);
            if (!decision.permitted()) {
                return decision;
            }
            if (decision.isNotable() && !result.isNotable()) {
                result = decision;
            }
        }
        return result;
    }

    /**
     * For the types consent does not otherwise apply to (a patient's Consents, the audit trail): a
     * clinician who must have a treatment relationship still sees them only for patients they
     * treat (a Consent naming HIV data says something about the patient), or under break-glass.
     */
    public Decision decideRelationshipOnly(AccessRequest request, ResourceFacts resource, PatientFacts facts) {
        if (!resource.ownerDecided() && request.relationshipRequired()) {
            return undecidedOwner();
        }
        for (String patient : resource.patients()) {
            if (request.ownPatient().filter(patient::equals).isPresent() || !request.relationshipRequired()) {
                continue;
            }
            boolean treats = request.practitioner().isPresent()
                    && facts.treats(request.practitioner().get(), patient);
            if (!treats) {
                Decision denial =
                        Decision.deny(Decision.Reason.NO_TREATMENT_RELATIONSHIP, Optional.empty(), Optional.empty());
                Optional<String> declaration = facts.breakGlass(patient);
                return declaration.isPresent() ? underBreakGlass(declaration.get(), denial) : denial;
            }
        }
        return Decision.permit(Decision.Reason.NOT_RESTRICTED);
    }

    /** Whose data it is cannot be decided, so no relationship can be shown: withheld. */
    private static Decision undecidedOwner() {
        return Decision.deny(
                Decision.Reason.NO_TREATMENT_RELATIONSHIP, Optional.empty(), Optional.of("owner-undecided"));
    }

    private static Decision underBreakGlass(String declaration, Decision denial) {
        return new Decision(
                true,
                Decision.Reason.BREAK_GLASS,
                denial == null ? Optional.empty() : denial.consent(),
                Optional.of(
                        (denial == null ? "" : "overrides " + denial.reason().code() + " by ") + declaration));
    }

    private Decision forPatient(
            AccessRequest request, ResourceFacts resource, String patient, Set<String> uncleared, PatientFacts facts) {
        if (request.ownPatient().filter(patient::equals).isPresent()) {
            return Decision.permit(Decision.Reason.OWN_RECORD);
        }
        Decision denial = null;
        Decision permit = null;
        if (request.relationshipRequired()
                && (request.practitioner().isEmpty()
                        || !facts.treats(request.practitioner().get(), patient))) {
            denial = Decision.deny(Decision.Reason.NO_TREATMENT_RELATIONSHIP, Optional.empty(), Optional.empty());
        }
        Set<String> released = new HashSet<>();
        if (denial == null) {
            for (ConsentDirective directive : facts.directives(patient)) {
                if (!directive.binds(request)) {
                    continue;
                }
                Optional<ConsentDirective.Verdict> verdict = directive.evaluate(request, resource);
                if (verdict.isEmpty()) {
                    continue;
                }
                if (verdict.get().type() == ConsentDirective.Type.DENY) {
                    denial = Decision.deny(
                            directive.isUnreadable()
                                    ? Decision.Reason.CONSENT_UNREADABLE
                                    : Decision.Reason.CONSENT_DENY,
                            Optional.of(directive.id()),
                            Optional.empty());
                    break;
                }
                if (!directive.permitsFor(request)) {
                    continue; // bound by the role's default purpose: it may deny, never permit another purpose
                }
                if (permit == null) {
                    permit = new Decision(
                            true, Decision.Reason.CONSENT_PERMIT, Optional.of(directive.id()), Optional.empty());
                }
                released.addAll(verdict.get().labels());
            }
        }
        if (denial == null && permit == null && !permittedByDefault.contains(request.purpose())) {
            denial = Decision.deny(
                    Decision.Reason.PURPOSE_NEEDS_CONSENT,
                    Optional.empty(),
                    Optional.of(request.purpose().name()));
        }
        if (denial == null) {
            for (String label : uncleared) {
                if (!released.contains(label)) {
                    denial = Decision.deny(Decision.Reason.SENSITIVE_LABEL, Optional.empty(), Optional.of(label));
                    break;
                }
            }
        }
        Optional<String> declaration = facts.breakGlass(patient);
        if (declaration.isPresent()) {
            // every access under a declared emergency is marked; what it overrode is recorded with it
            return underBreakGlass(declaration.get(), denial);
        }
        if (denial != null) {
            return denial;
        }
        return permit != null ? permit : Decision.permit(Decision.Reason.NOT_RESTRICTED);
    }
}
