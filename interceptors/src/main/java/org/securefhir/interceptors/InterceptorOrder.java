package org.securefhir.interceptors;

import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationConstants;

/**
 * The one place that orders the FHIR endpoint's interceptors (HAPI calls hooks of the same pointcut
 * in ascending {@code order}). A request meets, in this order:
 *
 * <ol>
 *   <li>{@link #REQUEST_GUARD}: malformed ids and operations off the allow-list are refused before
 *       anything else looks at the request;
 *   <li>{@link #SEARCH_NARROWING}: a patient-context token's searches get its compartment added
 *       (HAPI's search narrowing, at HAPI's default order), so that the role policy and
 *       authorization judge the narrowed search (without it a search lacking the compartment
 *       parameter would be refused as a whole);
 *   <li>{@link #DECRYPT_STORED}: the stored version an update replaces is decrypted first, so that
 *       the role policy can keep from it what the role may not see;
 *   <li>{@link #ROLE_POLICY}: the role policy ∩ scopes per interaction (read vs search vs history,
 *       which operation), granular-scope narrowing and paging ownership, so that a request the
 *       policy refuses never reaches a rule that could disclose more;
 *   <li>{@link #CONSENT_ORACLES}: requests whose very answer would tell what patient consent
 *       withholds (reverse chains over withheld types, conditional writes and {@code $validate} of
 *       stored instances by clinicians' apps) are refused before HAPI's authorization looks up
 *       anything they name (a 404 beside a 403 would be the oracle again);
 *   <li>{@link #ENCRYPTED_SEARCH}: searches on encrypted elements are rewritten onto blind indexes
 *       (or refused) as soon as the request is parsed, after the role policy judged them as the
 *       client wrote them and before HAPI narrows, runs, caches or the audit records them;
 *   <li>{@link #AUTHORIZATION}: HAPI's search narrowing and authorization interceptors (types,
 *       patient compartment, granular filters on every resource read or written), at HAPI's own
 *       order for them;
 *   <li>{@link #CONSENT}: HAPI's consent interceptor with the consent engine, after the role
 *       policy and authorization allowed the request: withholds what the patient's Consents,
 *       sensitive labels and the treatment relationship do not allow (in storage, before results
 *       are counted or paged, and again over the response), before decryption so that withheld
 *       resources are never opened, and before the audit so the record holds what was released;
 *       {@link #CONSENT_WITHHELD_ENTRIES} right after it removes the withheld entries from bundles;
 *   <li>{@link #DECRYPTION}: what passed authorization and consent is decrypted, before anything
 *       is hidden from it;
 *   <li>{@link #MASKING}: elements hidden from the role are removed from what passed authorization
 *       (and kept as stored when the role updates the resource);
 *   <li>{@link #AUDIT}: last on the way out, so the record holds exactly what the client receives
 *       (after hiding), and is committed before the response is written; failures are recorded
 *       from HAPI's exception hook;
 *   <li>{@link #VALIDATION}: structural validation of what is about to be stored, after
 *       authorization, so that a forbidden write is a 403 and never tells what would be invalid;
 *   <li>{@link #ENCRYPTION}: last before storage and indexing, after authorization and validation
 *       saw the resource in the clear;
 *   <li>{@link #CAPABILITY_STATEMENT}: adjustments of the published CapabilityStatement;
 *   <li>{@link #UNIFORM_ERRORS}: on the way out of a failed request, first: every 404 naming an
 *       instance says the same words, so that its text does not tell what withheld it.
 * </ol>
 *
 * <p>The effective order, as HAPI calls the hooks of both registries (the endpoint's and the JPA
 * storage's), is pinned by {@code InterceptorRegistryIT}.
 */
public final class InterceptorOrder {

    public static final int REQUEST_GUARD = -100;
    /** HAPI's default order: the compartment is added before anything judges a search. */
    public static final int SEARCH_NARROWING = 0;

    public static final int AUTHORIZATION = AuthorizationConstants.ORDER_AUTH_INTERCEPTOR;
    public static final int ROLE_POLICY = AUTHORIZATION - 10;
    public static final int MASKING = AUTHORIZATION + 50;
    public static final int AUDIT = MASKING + 10;
    public static final int VALIDATION = AUTHORIZATION + 100;
    public static final int DECRYPT_STORED = ROLE_POLICY - 5;
    public static final int ENCRYPTED_SEARCH = ROLE_POLICY + 5;
    public static final int CONSENT = AUTHORIZATION + 20;
    public static final int CONSENT_WITHHELD_ENTRIES = CONSENT + 1;
    public static final int CONSENT_ORACLES = ROLE_POLICY + 2;
    public static final int DECRYPTION = MASKING - 10;
    public static final int ENCRYPTION = VALIDATION + 10;
    public static final int CAPABILITY_STATEMENT = 1000;
    /** Error answers made uniform (one not-found text, whatever withheld or missed the instance). */
    public static final int UNIFORM_ERRORS = REQUEST_GUARD;

    private InterceptorOrder() {}
}
