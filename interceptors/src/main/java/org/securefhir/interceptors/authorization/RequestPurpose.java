package org.securefhir.interceptors.authorization;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Why a request is made, as the access policy lets its roles say: the purpose stated in {@code
 * X-Purpose-Of-Use} when the role may state it, else the role's default (billing: payment,
 * clinicians: treatment). A purpose the role may not state is refused (403, recorded in the audit
 * trail); a malformed one, or {@code BTG} (declared with {@code $break-glass}, never stated), is a
 * 400. Patients' Consents bind the request by both the stated purpose and the role's default
 * ({@link #binding()}), so stating another purpose narrows access and never escapes a Consent.
 *
 * @param purpose the purpose the request is made for
 * @param roleDefault the purpose the role's requests are made for when they state none
 */
public record RequestPurpose(PurposeOfUse purpose, PurposeOfUse roleDefault) {

    /** The request header that states the purpose of use. */
    public static final String HEADER = "X-Purpose-Of-Use";

    private static final String KEY = RequestPurpose.class.getName();

    /** The purpose the authorization resolved for this request (empty when it did not run). */
    public static Optional<RequestPurpose> of(RequestDetails request) {
        Object value = request.getUserData().get(KEY);
        return value instanceof RequestPurpose purpose ? Optional.of(purpose) : Optional.empty();
    }

    /** The purposes whose Consents bind the request. */
    public Set<PurposeOfUse> binding() {
        return EnumSet.of(purpose, roleDefault);
    }

    /** Resolves and remembers the request's purpose, or refuses the request. */
    static RequestPurpose resolve(RequestDetails request, Permissions permissions) {
        String stated = request.getHeader(HEADER);
        Optional<PurposeOfUse> roleDefault = permissions.defaultPurpose();
        PurposeOfUse purpose;
        if (stated == null || stated.isBlank()) {
            purpose = roleDefault.orElseThrow(() -> new ForbiddenOperationException(
                    permissions.allowedPurposes().isEmpty()
                            ? "Access denied: no access"
                            : "Access denied: your roles have different default purposes of use; state one in "
                                    + HEADER));
        } else {
            purpose = PurposeOfUse.fromCode(stated)
                    .orElseThrow(() -> new InvalidRequestException(HEADER + " must be a purpose of use code of "
                            + PurposeOfUse.SYSTEM + " (TREAT, ETREAT, HPAYMT, HOPERAT, HRESCH, ...)"));
            if (purpose == PurposeOfUse.BTG) {
                throw new InvalidRequestException(
                        "Break-glass is declared with the $break-glass operation, not with " + HEADER);
            }
            if (!permissions.allowedPurposes().contains(purpose)) {
                throw new ForbiddenOperationException("Access denied: purpose of use " + purpose
                        + " is not one your role may state (" + HEADER + ")");
            }
        }
        RequestPurpose resolved = new RequestPurpose(purpose, roleDefault.orElse(purpose));
        request.getUserData().put(KEY, resolved);
        return resolved;
    }
}
