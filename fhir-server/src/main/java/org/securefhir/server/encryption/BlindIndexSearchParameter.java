package org.securefhir.server.encryption;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.SearchParameter;
import org.securefhir.interceptors.encryption.BlindIndex;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextRefreshedEvent;

/**
 * Registers the {@code blind-index} token search parameter over the {@value BlindIndex#URL}
 * extension of every type with encrypted fields, when the application context is refreshed (before
 * any start-up data is written and before the server reports ready).
 */
final class BlindIndexSearchParameter implements ApplicationListener<ContextRefreshedEvent> {

    static final String ID = "blind-index";

    private final DaoRegistry daos;
    private final ISearchParamRegistry registry;
    private final EncryptionProperties properties;

    BlindIndexSearchParameter(DaoRegistry daos, ISearchParamRegistry registry, EncryptionProperties properties) {
        this.daos = daos;
        this.registry = registry;
        this.properties = properties;
    }

    @Override
    public void onApplicationEvent(ContextRefreshedEvent event) {
        if (!properties.enabled() || properties.fields().isEmpty()) {
            return;
        }
        SearchParameter parameter = new SearchParameter();
        parameter.setId(ID);
        parameter.setUrl("https://securefhir.org/fhir/SearchParameter/blind-index");
        parameter.setName("blind-index");
        parameter.setStatus(Enumerations.PublicationStatus.ACTIVE);
        parameter.setDescription("Blind-index tokens (HMAC-SHA256) of encrypted elements; searches on those"
                + " elements are rewritten onto it by the server (see docs/encryption.md)");
        parameter.setCode(BlindIndex.SEARCH_PARAMETER);
        parameter.setType(Enumerations.SearchParamType.TOKEN);
        properties.fields().keySet().stream().sorted().forEach(parameter::addBase);
        parameter.setExpression(properties.fields().keySet().stream()
                .sorted()
                .map(type -> type + ".extension('" + BlindIndex.URL + "').value")
                .collect(Collectors.joining(" | ")));
        daos.getResourceDao(SearchParameter.class).update(parameter, new SystemRequestDetails());
        registry.forceRefresh();
    }
}
