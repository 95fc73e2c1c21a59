package org.securefhir.server.validation;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.util.OperationOutcomeUtil;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseOperationOutcome;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.securefhir.interceptors.InterceptorOrder;

/**
 * Refuses to store a resource that lacks a required element (422 Unprocessable Entity, one issue per
 * missing element). Runs just before storage, so it sees the final resource of a create, an update,
 * a patch and every entry of a batch or transaction.
 */
@Interceptor
public final class StructuralValidationInterceptor {

    private final FhirContext fhirContext;
    private final RequiredElementsValidator validator;

    public StructuralValidationInterceptor(FhirContext fhirContext) {
        this.fhirContext = fhirContext;
        this.validator = new RequiredElementsValidator(fhirContext);
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = InterceptorOrder.VALIDATION)
    public void validateCreated(IBaseResource resource) {
        validate(resource);
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = InterceptorOrder.VALIDATION)
    public void validateUpdated(IBaseResource previous, IBaseResource updated) {
        validate(updated);
    }

    private void validate(IBaseResource resource) {
        List<String> missing = validator.missingRequiredElements(resource);
        if (missing.isEmpty()) {
            return;
        }
        IBaseOperationOutcome outcome = OperationOutcomeUtil.newInstance(fhirContext);
        for (String path : missing) {
            OperationOutcomeUtil.addIssue(
                    fhirContext, outcome, "error", "Missing required element: " + path, path, "required");
        }
        throw new UnprocessableEntityException(fhirContext, outcome);
    }
}
