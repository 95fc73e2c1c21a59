package org.securefhir.server.authorization;

import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOp;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOpClassifier;
import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.hl7.fhir.r4.model.IdType;
import org.securefhir.auth.smart.SmartScope;
import org.securefhir.auth.smart.SmartScope.Permission;

/**
 * Turns the SMART scopes of an access token into HAPI authorization rules (deny by default):
 *
 * <ul>
 *   <li>{@code system/} and {@code user/} scopes: the named type (or every type for {@code *}) with
 *       the scope's permissions ({@code r}/{@code s} read, vread, search and history; {@code c}
 *       create; {@code u} update; {@code d} delete);
 *   <li>{@code patient/} scopes: the same, but only inside the compartment of the token's {@code
 *       patient}; without a {@code patient} claim they grant nothing;
 *   <li>granular scopes ({@code ?category=...}) grant nothing yet (their filters are not enforced);
 *   <li>batch and transaction: each entry by these rules; operations: only when every resource they
 *       return is readable under these rules; patch: only with update on every type.
 * </ul>
 * The CapabilityStatement is always allowed. This is the scope part of the authorization; the role
 * policy and the Consent checks come on top (issue 4 onwards).
 */
final class ScopeRules {

    private ScopeRules() {}

    static List<IAuthRule> from(Collection<String> scopes, Optional<String> patient) {
        RuleBuilder rules = new RuleBuilder();
        rules.allow("capability statement").metadata();
        boolean any = false;
        boolean patchAll = false;
        for (String text : scopes) {
            Optional<SmartScope> parsed = SmartScope.parse(text);
            if (parsed.isEmpty() || parsed.get().query().isPresent()) {
                continue;
            }
            SmartScope scope = parsed.get();
            Optional<IdType> compartment = Optional.empty();
            if (scope.context() == SmartScope.Context.PATIENT) {
                if (patient.isEmpty()) {
                    continue;
                }
                compartment = Optional.of(new IdType("Patient", patient.get()));
            }
            Set<Permission> permissions = scope.permissions();
            if (permissions.contains(Permission.READ) || permissions.contains(Permission.SEARCH)) {
                grant(rules, text, scope.resourceType(), compartment, builder -> builder.read());
            }
            if (permissions.contains(Permission.CREATE)) {
                grant(rules, text, scope.resourceType(), compartment, builder -> builder.create());
            }
            if (permissions.contains(Permission.UPDATE)) {
                grant(rules, text, scope.resourceType(), compartment, builder -> builder.write());
                patchAll |= "*".equals(scope.resourceType()) && compartment.isEmpty();
            }
            if (permissions.contains(Permission.DELETE)) {
                grant(rules, text, scope.resourceType(), compartment, builder -> builder.delete());
            }
            any = true;
        }
        if (any) {
            rules.allow("batch/transaction entries by the rules above")
                    .transaction()
                    .withAnyOperation()
                    .andApplyNormalRules();
            rules.allow("operations whose results the rules above allow to read")
                    .operation()
                    .withAnyName()
                    .onAnyInstance()
                    .andRequireExplicitResponseAuthorization();
            rules.allow("operations whose results the rules above allow to read")
                    .operation()
                    .withAnyName()
                    .onServer()
                    .andRequireExplicitResponseAuthorization();
            rules.allow("operations whose results the rules above allow to read")
                    .operation()
                    .withAnyName()
                    .onAnyType()
                    .andRequireExplicitResponseAuthorization();
        }
        if (patchAll) {
            rules.allow("patch with update on every type").patch().allRequests();
        }
        return rules.denyAll("The token's scopes do not allow this request").build();
    }

    private static void grant(
            RuleBuilder rules,
            String scope,
            String type,
            Optional<IdType> compartment,
            Function<ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRule, IAuthRuleBuilderRuleOp>
                    interaction) {
        IAuthRuleBuilderRuleOp op = interaction.apply(rules.allow(scope));
        IAuthRuleBuilderRuleOpClassifier target = "*".equals(type) ? op.allResources() : op.resourcesOfType(type);
        if (compartment.isPresent()) {
            target.inCompartment("Patient", compartment.get());
        } else {
            target.withAnyId();
        }
    }
}
