package org.securefhir.interceptors.authorization;

import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOp;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOpClassifier;
import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.securefhir.interceptors.ownership.PatientOwnership;

/**
 * Turns {@link Permissions} into HAPI authorization rules, which HAPI applies to every resource a
 * request reads or writes: search results, {@code _include}/{@code _revinclude} results, history,
 * operation responses, every batch/transaction entry and both the old and the new version of an
 * update. Read, vread, search and history become HAPI's read rule (the finer role distinction is
 * checked per request by {@link RolePolicyInterceptor}); compartment pins and granular filters
 * become {@code inCompartment}/{@code withFilter}. Deny by default; the CapabilityStatement is
 * always allowed.
 */
final class HapiRules {

    private HapiRules() {}

    static List<IAuthRule> from(Permissions permissions, PatientOwnership ownership) {
        RuleBuilder rules = new RuleBuilder();
        rules.allow("capability statement").metadata();
        Set<List<Object>> added = new HashSet<>();
        boolean patch = false;
        for (Grant grant : permissions.grants()) {
            Function<IAuthRuleBuilderRule, IAuthRuleBuilderRuleOp> op = switch (grant.interaction()) {
                case READ, VREAD, SEARCH, HISTORY -> IAuthRuleBuilderRule::read;
                case CREATE -> IAuthRuleBuilderRule::create;
                case UPDATE, PATCH -> IAuthRuleBuilderRule::write;
                case DELETE -> IAuthRuleBuilderRule::delete;
            };
            patch |= grant.interaction() == Interaction.PATCH;
            String kind = grant.interaction().isRead()
                    ? "read"
                    : grant.interaction() == Interaction.PATCH
                            ? "update"
                            : grant.interaction().code();
            if (added.add(List.of(kind, grant.resourceType(), grant.compartment(), grant.filter()))) {
                add(rules, grant, op, ownership);
            }
        }
        accessReport(rules, permissions);
        bulkExport(rules, permissions);
        if (!permissions.isEmpty()) {
            rules.allow("batch/transaction: each entry by the rules above")
                    .transaction()
                    .withAnyOperation()
                    .andApplyNormalRules();
            // Which operations a role may invoke is checked per request; here: what they return
            // must be readable under the rules above.
            rules.allow("operations")
                    .operation()
                    .withAnyName()
                    .onAnyInstance()
                    .andRequireExplicitResponseAuthorization();
            rules.allow("operations").operation().withAnyName().onServer().andRequireExplicitResponseAuthorization();
            rules.allow("operations").operation().withAnyName().onAnyType().andRequireExplicitResponseAuthorization();
        }
        if (patch) {
            // the patched resource is then checked as an update by the write rules above
            rules.allow("patch").patch().allRequests();
        }
        return rules.denyAll("Access policy and scopes do not allow this request")
                .build();
    }

    /**
     * The access report of a patient (also as CSV, a Binary that the read rules would not cover) for
     * whoever may search that patient's AuditEvents: any patient's for an unrestricted grant, only
     * their own for a compartment-pinned one.
     */
    private static void accessReport(RuleBuilder rules, Permissions permissions) {
        if (!permissions.allowsOperation("access-report")) {
            return;
        }
        if (permissions.allowsUnrestricted("AuditEvent", Interaction.SEARCH)) {
            rules.allow("access report")
                    .operation()
                    .named("$access-report")
                    .onInstancesOfType(Patient.class)
                    .andAllowAllResponses();
            return;
        }
        permissions.grants().stream()
                .filter(grant -> grant.interaction() == Interaction.SEARCH
                        && grant.appliesTo("AuditEvent")
                        && grant.compartment().isPresent()
                        && grant.filter().isEmpty())
                .map(grant -> grant.compartment().get())
                .distinct()
                .forEach(patient -> rules.allow("access report of " + patient)
                        .operation()
                        .named("$access-report")
                        .onInstance(new IdType("Patient", patient))
                        .andAllowAllResponses());
    }

    /**
     * Bulk Data export: its kick-off, status and file answers are not resources of the store (an
     * OperationOutcome, a manifest, NDJSON as a Binary); what an export contains was searched, and
     * so authorized resource by resource, as the client itself, and a file is served only to the
     * client that asked for it (the export's own checks).
     */
    private static void bulkExport(RuleBuilder rules, Permissions permissions) {
        if (!permissions.allowsOperation(BULK_EXPORT)) {
            return;
        }
        rules.allow("bulk export").operation().named("$export").onServer().andAllowAllResponses();
        rules.allow("bulk export of patients")
                .operation()
                .named("$export")
                .onType(Patient.class)
                .andAllowAllResponses();
        rules.allow("bulk export of a group")
                .operation()
                .named("$export")
                .onInstancesOfType(org.hl7.fhir.r4.model.Group.class)
                .andAllowAllResponses();
        rules.allow("bulk export status")
                .operation()
                .named("$export-poll-status")
                .onServer()
                .andAllowAllResponses();
        rules.allow("bulk export files")
                .operation()
                .named("$export-download")
                .onServer()
                .andAllowAllResponses();
    }

    /** The policy's name of Bulk Data export ({@code $export} and its status and file operations). */
    static final String BULK_EXPORT = "export";

    private static void add(
            RuleBuilder rules,
            Grant grant,
            Function<IAuthRuleBuilderRule, IAuthRuleBuilderRuleOp> op,
            PatientOwnership ownership) {
        // A grant pinned to a patient reaches only what PatientOwnership says is that patient's:
        // directory and knowledge types are nobody's (the pin is dropped: e.g. the general
        // practitioner a patient's $everything returns); a type whose owner cannot be decided is
        // not granted at all.
        Optional<String> compartment = grant.compartment();
        if (compartment.isPresent()
                && grant.interaction().isRead()
                && !grant.resourceType().equals("*")) {
            PatientOwnership.Kind kind = ownership.kind(grant.resourceType());
            if (kind == PatientOwnership.Kind.UNDECIDED) {
                return;
            }
            if (kind == PatientOwnership.Kind.NOT_PATIENT_DATA) {
                compartment = Optional.empty();
            }
        }
        IAuthRuleBuilderRuleOp builder =
                op.apply(rules.allow(grant.interaction().code() + " " + grant.resourceType()));
        IAuthRuleBuilderRuleOpClassifier target = grant.resourceType().equals("*")
                ? builder.allResources()
                : builder.resourcesOfType(grant.resourceType());
        if (compartment.isPresent() && grant.filter().isPresent()) {
            // HAPI's filter rule knows no added compartment parameters; the filter's own types
            // (granular scopes) are in R4's compartment
            target.inCompartmentWithFilter(
                    "Patient",
                    new IdType("Patient", compartment.get()),
                    grant.filter().get());
        } else if (compartment.isPresent()) {
            target.inModifiedCompartment(
                    "Patient", new IdType("Patient", compartment.get()), ownership.compartmentModifications());
        } else if (grant.filter().isPresent()) {
            target.withFilter(grant.filter().get());
        } else {
            target.withAnyId();
        }
    }
}
