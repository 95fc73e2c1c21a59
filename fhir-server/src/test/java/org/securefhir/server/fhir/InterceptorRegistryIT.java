package org.securefhir.server.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.RestfulServer;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.securefhir.interceptors.InterceptorOrder;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The effective order of our interceptors, read from the live registries of the started server
 * (the FHIR endpoint's and the JPA storage's), as HAPI will call them: per pointcut, each hook of
 * ours with the order it runs at. Every order a hook of ours declares is one of {@link
 * InterceptorOrder}'s; each safeguard is registered once, in the registry it belongs to; and the
 * whole sequence is pinned here, so that a registration moved, forgotten or reordered fails the
 * build. The hooks our subclasses inherit from HAPI's authorization, search-narrowing and consent
 * interceptors run at their class's {@code @Interceptor} order.
 */
class InterceptorRegistryIT extends AbstractFhirServerIT {

    @Autowired
    private RestfulServer endpoint;

    @Autowired
    private IInterceptorService storage;

    private static final Map<String, List<String>> ENDPOINT = new TreeMap<>(Map.ofEntries(
            Map.entry(
                    "SERVER_CAPABILITY_STATEMENT_GENERATED",
                    List.of("RequestGuardInterceptor@1000", "SmartCapabilityInterceptor@1000")),
            Map.entry(
                    "SERVER_HANDLE_EXCEPTION",
                    List.of("ServerErrorLog@-100", "ConsentEnforcement@220", "AuditInterceptor@260")),
            Map.entry(
                    "SERVER_INCOMING_REQUEST_POST_PROCESSED",
                    List.of("CompartmentNarrowing@0", "RolePolicyInterceptor@190", "EncryptionInterceptor@195")),
            Map.entry(
                    "SERVER_INCOMING_REQUEST_PRE_HANDLED",
                    List.of(
                            "RequestGuardInterceptor@-100",
                            "CompartmentNarrowing@0",
                            "RolePolicyInterceptor@190",
                            "ConsentEnforcement@192",
                            "EncryptionInterceptor@195",
                            "PolicyAuthorizationInterceptor@200",
                            "ConsentEnforcement@220")),
            Map.entry(
                    "SERVER_OUTGOING_RESPONSE",
                    List.of(
                            "PolicyAuthorizationInterceptor@200",
                            "ConsentEnforcement@220",
                            "ConsentEnforcement@221",
                            "EncryptionInterceptor@240",
                            "RolePolicyInterceptor@250",
                            "AuditInterceptor@260")),
            Map.entry(
                    "SERVER_PRE_PROCESS_OUTGOING_EXCEPTION",
                    List.of("NotFoundAnswers@-100", "ClientFaultAnswers@-100")),
            Map.entry("SERVER_PROCESSING_COMPLETED", List.of("EncryptionInterceptor@195")),
            Map.entry("SERVER_PROCESSING_COMPLETED_NORMALLY", List.of("ConsentEnforcement@220")),
            Map.entry("STORAGE_BULK_EXPORT_RESOURCE_INCLUSION", List.of("ConsentEnforcement@220")),
            Map.entry("STORAGE_CASCADE_DELETE", List.of("PolicyAuthorizationInterceptor@200")),
            Map.entry("STORAGE_INITIATE_BULK_EXPORT", List.of("PolicyAuthorizationInterceptor@200")),
            Map.entry("STORAGE_PREACCESS_RESOURCES", List.of("ConsentEnforcement@220")),
            Map.entry("STORAGE_PRECHECK_FOR_CACHED_SEARCH", List.of("ConsentEnforcement@220")),
            Map.entry("STORAGE_PRECOMMIT_RESOURCE_CREATED", List.of("AuditInterceptor@260")),
            Map.entry("STORAGE_PRECOMMIT_RESOURCE_DELETED", List.of("AuditInterceptor@260")),
            Map.entry("STORAGE_PRECOMMIT_RESOURCE_UPDATED", List.of("AuditInterceptor@260")),
            Map.entry("STORAGE_PRESEARCH_REGISTERED", List.of("ConsentEnforcement@220")),
            Map.entry(
                    "STORAGE_PRESHOW_RESOURCES",
                    List.of("PolicyAuthorizationInterceptor@200", "ConsentEnforcement@220")),
            Map.entry(
                    "STORAGE_PRESTORAGE_RESOURCE_CREATED",
                    List.of(
                            "RolePolicyInterceptor@190",
                            "PolicyAuthorizationInterceptor@200",
                            "ConsentEnforcement@220",
                            "AuditInterceptor@260",
                            "CareRegistration@300",
                            "StructuralValidationInterceptor@300")),
            Map.entry(
                    "STORAGE_PRESTORAGE_RESOURCE_DELETED",
                    List.of(
                            "RolePolicyInterceptor@190",
                            "PolicyAuthorizationInterceptor@200",
                            "ConsentEnforcement@220",
                            "AuditInterceptor@260")),
            Map.entry(
                    "STORAGE_PRESTORAGE_RESOURCE_UPDATED",
                    List.of(
                            "RolePolicyInterceptor@190",
                            "PolicyAuthorizationInterceptor@200",
                            "ConsentEnforcement@220",
                            "AuditInterceptor@260",
                            "CareRegistration@300",
                            "StructuralValidationInterceptor@300")),
            Map.entry("STORAGE_PRE_DELETE_EXPUNGE", List.of("PolicyAuthorizationInterceptor@200"))));

    private static final Map<String, List<String>> STORAGE = new TreeMap<>(Map.of(
            "STORAGE_PRECOMMIT_RESOURCE_CREATED", List.of("ConsentStorageInterceptor@220"),
            "STORAGE_PRECOMMIT_RESOURCE_DELETED", List.of("ConsentStorageInterceptor@220"),
            "STORAGE_PRECOMMIT_RESOURCE_UPDATED", List.of("ConsentStorageInterceptor@220"),
            "STORAGE_PRESTORAGE_RESOURCE_CREATED",
                    List.of("ConsentStorageInterceptor@300", "EncryptionStorageInterceptor@310"),
            "STORAGE_PRESTORAGE_RESOURCE_UPDATED",
                    List.of(
                            "EncryptionStorageInterceptor@185",
                            "ConsentStorageInterceptor@300",
                            "EncryptionStorageInterceptor@310")));

    @Test
    void whenTheEndpointRegistryIsReadThenOurHooksRunInThePinnedSequence() {
        assertThat(ours(endpoint.getInterceptorService())).isEqualTo(ENDPOINT);
    }

    @Test
    void whenTheStorageRegistryIsReadThenOurHooksRunInThePinnedSequence() {
        assertThat(ours(storage)).isEqualTo(STORAGE);
    }

    @Test
    void whenAnyHookOfOursDeclaresAnOrderThenItIsOneInterceptorOrderDeclares() throws Exception {
        Set<Integer> declared = new HashSet<>();
        for (Field field : InterceptorOrder.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == int.class) {
                declared.add(field.getInt(null));
            }
        }
        List<String> hooks = new ArrayList<>();
        ENDPOINT.values().forEach(hooks::addAll);
        STORAGE.values().forEach(hooks::addAll);
        for (String hook : hooks) {
            int order = Integer.parseInt(hook.substring(hook.indexOf('@') + 1));
            assertThat(declared).as(hook).contains(order);
        }
    }

    @Test
    void whenBothRegistriesAreReadThenEachSafeguardIsRegisteredOnceInOne() {
        List<String> registered = new ArrayList<>();
        for (IInterceptorService service : List.of(endpoint.getInterceptorService(), storage)) {
            service.getAllRegisteredInterceptors().stream()
                    .filter(interceptor -> interceptor.getClass().getName().startsWith("org.securefhir."))
                    .forEach(
                            interceptor -> registered.add(interceptor.getClass().getSimpleName()));
        }
        assertThat(registered)
                .containsExactlyInAnyOrder(
                        "RequestGuardInterceptor",
                        "NotFoundAnswers",
                        "ClientFaultAnswers",
                        "ServerErrorLog",
                        "RolePolicyInterceptor",
                        "CompartmentNarrowing",
                        "PolicyAuthorizationInterceptor",
                        "ConsentEnforcement",
                        "CareRegistration",
                        "AuditInterceptor",
                        "EncryptionInterceptor",
                        "StructuralValidationInterceptor",
                        "SmartCapabilityInterceptor",
                        "ConsentStorageInterceptor",
                        "EncryptionStorageInterceptor");
    }

    /** Per pointcut, the hooks of our classes as HAPI will call them ({@code Class@order}). */
    private static Map<String, List<String>> ours(IInterceptorService service) {
        Map<String, List<String>> hooks = new TreeMap<>();
        for (Pointcut pointcut : Pointcut.values()) {
            List<String> sequence = new ArrayList<>();
            for (var invoker : service.getInvokersForPointcut(pointcut)) {
                Class<?> type = invoker.getInterceptor().getClass();
                if (type.getName().startsWith("org.securefhir.")) {
                    sequence.add(type.getSimpleName() + "@" + invoker.getOrder());
                }
            }
            if (!sequence.isEmpty()) {
                hooks.put(pointcut.name(), sequence);
            }
        }
        return hooks;
    }
}
