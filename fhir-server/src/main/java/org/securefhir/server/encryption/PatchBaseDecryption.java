package org.securefhir.server.encryption;

import ca.uhn.fhir.jpa.dao.IJpaStorageResourceParser;
import ca.uhn.fhir.jpa.model.cross.IBasePersistedResource;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.model.entity.BaseTag;
import ca.uhn.fhir.jpa.model.entity.IBaseResourceEntity;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Collection;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.securefhir.interceptors.encryption.PatchScope;
import org.securefhir.interceptors.encryption.ResourceProtection;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Decorates HAPI's storage resource parser so that, only on a thread handling a PATCH ({@link
 * PatchScope}), the stored version HAPI loads to apply the patch to is decrypted first. Every
 * other load (reads, searches, index rebuilds) stays ciphertext until the response is decrypted.
 */
final class PatchBaseDecryption implements BeanPostProcessor {

    private final ObjectProvider<ResourceProtection> protection;

    PatchBaseDecryption(ObjectProvider<ResourceProtection> protection) {
        this.protection = protection;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String name) {
        if (bean instanceof IJpaStorageResourceParser parser && !(bean instanceof Decrypting)) {
            return new Decrypting(parser, protection);
        }
        return bean;
    }

    private record Decrypting(IJpaStorageResourceParser delegate, ObjectProvider<ResourceProtection> protection)
            implements IJpaStorageResourceParser {

        @Override
        public IBaseResource toResource(IBasePersistedResource<JpaPid> entity, boolean forHistory) {
            return open(delegate.toResource(entity, forHistory));
        }

        @Override
        public <R extends IBaseResource> R toResource(
                RequestDetails request,
                Class<R> type,
                IBaseResourceEntity<?> entity,
                Collection<BaseTag> tags,
                boolean forHistory) {
            return open(delegate.toResource(request, type, entity, tags, forHistory));
        }

        @Override
        public <R extends IBaseResource> R populateResourceMetadata(
                IBaseResourceEntity<?> entity,
                boolean forHistory,
                Collection<? extends BaseTag> tags,
                long version,
                R resource) {
            return delegate.populateResourceMetadata(entity, forHistory, tags, version, resource);
        }

        @Override
        public void updateResourceMetadata(IBaseResourceEntity<?> entity, IBaseResource resource) {
            delegate.updateResourceMetadata(entity, resource);
        }

        private <R extends IBaseResource> R open(R resource) {
            if (resource != null && PatchScope.active()) {
                protection.getObject().openAll(resource);
            }
            return resource;
        }
    }
}
