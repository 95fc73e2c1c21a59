package org.securefhir.server.fhir;

import ca.uhn.fhir.context.FhirContext;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Removes HAPI's DAO and resource-provider bean definitions for the R4 resource types this server
 * does not serve ({@code fhir.server.resource-types}), before any bean is created.
 *
 * <p>HAPI's generated configuration defines a DAO ({@code my<Type>DaoR4}) and a resource provider
 * ({@code my<Type>RpR4}) for each of R4's ~145 resource types, and its {@code DaoRegistry} creates
 * every DAO at start-up even when it will only ever serve the configured ones. Not defining them
 * takes a part of start-up time away and leaves nothing behind that could be reached for an unserved
 * type. The DAO registry keeps refusing unserved types (404) as before.
 */
final class UnservedResourceTypeBeans implements BeanDefinitionRegistryPostProcessor, EnvironmentAware {

    private static final Logger log = LoggerFactory.getLogger(UnservedResourceTypeBeans.class);

    /** Types HAPI's own machinery needs whether or not they are served over REST. */
    static final Set<String> ALWAYS_DEFINED = Set.of("SearchParameter", "Subscription");

    private Set<String> served = Set.of();

    @Override
    public void setEnvironment(Environment environment) {
        served = Binder.get(environment)
                .bindOrCreate("fhir.server", FhirServerProperties.class)
                .resourceTypes();
    }

    @Override
    public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
        int removed = 0;
        for (String type : FhirContext.forR4Cached().getResourceTypes()) {
            if (served.contains(type) || ALWAYS_DEFINED.contains(type)) {
                continue;
            }
            for (String name : beanNames(type)) {
                if (registry.containsBeanDefinition(name)) {
                    registry.removeBeanDefinition(name);
                    removed++;
                }
            }
        }
        log.debug("Removed {} DAO and resource provider definitions of unserved resource types", removed);
    }

    static Set<String> beanNames(String resourceType) {
        return Set.of("my" + resourceType + "DaoR4", "my" + resourceType + "RpR4");
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        // nothing: definitions only
    }
}
