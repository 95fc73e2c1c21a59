package org.securefhir.consent;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentOutcome;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentContextServices;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentService;
import ca.uhn.fhir.util.FhirTerser;
import java.time.Clock;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IDomainResource;
import org.securefhir.interceptors.audit.AuditNotes;
import org.securefhir.interceptors.authorization.AccessToken;
import org.securefhir.interceptors.authorization.AccessTokens;
import org.securefhir.interceptors.authorization.PurposeOfUse;
import org.securefhir.interceptors.authorization.RequestPurpose;
import org.securefhir.interceptors.ownership.PatientOwnership;
import org.securefhir.smart.SmartScope;

/**
 * The consent service HAPI's {@code ConsentInterceptor} asks about every resource a read path is
 * about to return (read, search and its includes, history, {@code $everything}, operations). A
 * thin adapter: the request's facts are gathered once ({@link AccessRequest}), each resource is
 * judged by {@link ConsentPolicy}, and what was decided goes to the audit record. Anything that
 * goes wrong while deciding fails the request closed (503), never open.
 */
public final class ConsentEngine implements IConsentService {

    private static final String PURPOSE_HEADER = RequestPurpose.HEADER;
    private static final String STATE = ConsentEngine.class.getName() + ".request";
    private static final Set<String> CONTAINERS = Set.of("Bundle", "Parameters", "OperationOutcome");

    private final AccessTokens tokens;
    private final ConsentSettings settings;
    private final ConsentPolicy policy;
    private final ConsentDirectiveSource directives;
    private final TreatmentRelationships relationships;
    private final BreakGlassGrants grants;
    private final FhirContext fhir;
    private final FhirTerser terser;
    private final PatientOwnership ownership;
    private final LabelHistory labelHistory;
    private final ContainedResources contained;
    private final Clock clock;

    public ConsentEngine(
            AccessTokens tokens,
            ConsentSettings settings,
            ConsentDirectiveSource directives,
            TreatmentRelationships relationships,
            BreakGlassGrants grants,
            FhirContext fhir,
            PatientOwnership ownership,
            LabelHistory labelHistory,
            ContainedResources contained,
            Clock clock) {
        this.tokens = tokens;
        this.settings = settings;
        this.policy = new ConsentPolicy(settings.permittedByDefault(), settings.sensitiveLabels());
        this.directives = directives;
        this.relationships = relationships;
        this.grants = grants;
        this.fhir = fhir;
        this.terser = fhir.newTerser();
        this.ownership = ownership;
        this.labelHistory = labelHistory;
        this.contained = contained;
        this.clock = clock;
    }

    /** The request's state: the requester's facts, or empty when consent does not apply to them. */
    private record RequestConsent(
            Optional<AccessRequest> access,
            Map<String, List<ConsentDirective>> directives,
            Map<String, Boolean> treated,
            Map<String, String> breakGlass,
            Map<String, Decision> decided,
            Map<String, Decision> found,
            Map<String, Boolean> wholes,
            Set<IBaseResource> contained,
            boolean ownRecord) {}

    @Override
    public ConsentOutcome startOperation(RequestDetails request, IConsentContextServices services) {
        RequestConsent state = start(request);
        return state.access().isEmpty() ? ConsentOutcome.AUTHORIZED : ConsentOutcome.PROCEED;
    }

    /**
     * Whether counts ({@code _summary=count}, {@code _total=accurate}) can be answered for this
     * request: only when consent cannot withhold anything they would count (the requester is
     * exempt, or the search is of an exempt type without includes by someone the treatment
     * relationship does not bind).
     */
    public boolean mayCount(RequestDetails request) {
        RequestConsent state = start(request);
        if (state.access().isEmpty() || state.ownRecord()) {
            return true; // (a patient counts their own compartment, resources shared with others included)
        }
        String type = request.getResourceName();
        Map<String, String[]> parameters = request.getParameters();
        boolean includes = parameters.keySet().stream()
                .anyMatch(name -> name.startsWith("_include") || name.startsWith("_revinclude"));
        // a clinician bound by the treatment relationship sees exempt types only of patients they treat
        return type != null
                && settings.exemptTypes().contains(type)
                && !includes
                && !state.access().get().relationshipRequired();
    }

    @Override
    public boolean shouldProcessCanSeeResource(RequestDetails request, IConsentContextServices services) {
        return true;
    }

    @Override
    public ConsentOutcome canSeeResource(
            RequestDetails request, IBaseResource resource, IConsentContextServices services) {
        return decideWhole(request, resource) ? ConsentOutcome.AUTHORIZED : ConsentOutcome.REJECT;
    }

    /**
     * A contained resource is part of the resource that holds it and is judged with it (HAPI
     * visits the container first): the container is shown only if everything it holds may be shown
     * too, so a record holding what the requester may not see (another patient's data, a labelled
     * entry) is withheld whole. A contained resource cannot be withheld on its own: HAPI would
     * replace the container's whole contained list while iterating it.
     */
    @Override
    public ConsentOutcome willSeeResource(
            RequestDetails request, IBaseResource resource, IConsentContextServices services) {
        if (CONTAINERS.contains(fhir.getResourceType(resource))) {
            return ConsentOutcome.PROCEED; // judged by what they hold
        }
        if (start(request).contained().contains(resource)) {
            return ConsentOutcome.PROCEED; // judged with its container
        }
        return decideWhole(request, resource) ? ConsentOutcome.PROCEED : ConsentOutcome.REJECT;
    }

    /**
     * The resource and every resource it contains, as written (contained ones are not cached:
     * their ids are local; the whole verdict is, so a stored version's contained resources are
     * opened once per request). The contained resources HAPI will visit (stubs while sealed) are
     * then known as judged.
     */
    private boolean decideWhole(RequestDetails request, IBaseResource resource) {
        if (!decide(request, resource, true)) {
            return false;
        }
        if (!(resource instanceof IDomainResource domain)
                || domain.getContained().isEmpty()) {
            return true;
        }
        RequestConsent state = start(request);
        String key = versionKey(resource);
        Boolean whole = key == null ? null : state.wholes().get(key);
        if (whole == null) {
            whole = containedVisible(request, resource);
            if (key != null) {
                state.wholes().put(key, whole);
            }
        }
        if (whole) {
            state.contained().addAll(domain.getContained());
        }
        return whole;
    }

    private boolean containedVisible(RequestDetails request, IBaseResource resource) {
        List<? extends IBaseResource> written;
        try {
            written = contained.of(resource);
        } catch (RuntimeException e) {
            throw new ConsentUnavailableException(e);
        }
        for (IBaseResource held : written) {
            if (!decide(request, held, false)) {
                return false;
            }
        }
        return true;
    }

    /** {@code Type/id/version} of a stored resource; null for one without an id. */
    private String versionKey(IBaseResource resource) {
        return resource.getIdElement().hasIdPart()
                ? fhir.getResourceType(resource) + "/" + resource.getIdElement().getIdPart() + "/"
                        + resource.getIdElement().getVersionIdPart()
                : null;
    }

    private RequestConsent start(RequestDetails request) {
        Object existing = request.getUserData().get(STATE);
        if (existing instanceof RequestConsent state) {
            return state;
        }
        Optional<AccessToken> token = tokens.current();
        Optional<AccessRequest> access;
        if (token.isEmpty()) {
            // no verified token in sight (requests without one never get this far): fail closed
            access = Optional.of(new AccessRequest(
                    "",
                    Set.of(),
                    PurposeOfUse.TREAT,
                    Set.of(),
                    Optional.empty(),
                    true,
                    Optional.empty(),
                    clock.instant()));
        } else if (token.get().roles().stream().anyMatch(settings.exemptRoles()::contains)) {
            access = Optional.empty();
        } else {
            access = Optional.of(accessRequest(request, token.get()));
        }
        // a patient's own token: their own record is theirs; a resource that is also another
        // patient's is judged by that patient's Consents
        boolean ownRecord = token.isPresent() && access.isPresent() && isPatientOnOwnRecord(token.get());
        // HAPI may judge a search's resources on its search thread while the request thread goes on
        RequestConsent state = new RequestConsent(
                access,
                new ConcurrentHashMap<>(),
                new ConcurrentHashMap<>(),
                new ConcurrentHashMap<>(),
                new ConcurrentHashMap<>(),
                new ConcurrentHashMap<>(),
                new ConcurrentHashMap<>(),
                Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>())),
                ownRecord);
        access.ifPresent(facts -> {
            state.breakGlass().putAll(grants.declarations(facts.userId(), facts.now()));
            AuditNotes.of(request).purposeOfUse(facts.purpose().name());
        });
        request.getUserData().put(STATE, state);
        return state;
    }

    /** A patient's own token (the access policy keeps it to their own compartment). */
    private boolean isPatientOnOwnRecord(AccessToken token) {
        return token.ownPatient().isPresent()
                && !token.roles().isEmpty()
                && settings.patientRoles().containsAll(token.roles())
                && token.patient()
                        .map(patient -> patient.equals(token.ownPatient().get()))
                        .orElse(true);
    }

    private AccessRequest accessRequest(RequestDetails request, AccessToken token) {
        Optional<RequestPurpose> resolved = RequestPurpose.of(request);
        PurposeOfUse purpose = resolved.map(RequestPurpose::purpose).orElse(PurposeOfUse.TREAT);
        String stated = request.getHeader(PURPOSE_HEADER);
        if (resolved.isEmpty() && stated != null && !stated.isBlank()) {
            // the access policy did not resolve it (authorization switched off): the header as stated
            purpose = PurposeOfUse.fromCode(stated)
                    .orElseThrow(() -> new InvalidRequestException(PURPOSE_HEADER
                            + " must be a purpose of use code of " + PurposeOfUse.SYSTEM
                            + " (TREAT, ETREAT, HPAYMT, HOPERAT, HRESCH, ...)"));
            if (purpose == PurposeOfUse.BTG) {
                throw new InvalidRequestException(
                        "Break-glass is declared with the $break-glass operation," + " not with " + PURPOSE_HEADER);
            }
        }
        Set<String> actors = new HashSet<>();
        Optional<String> fhirUser = token.fhirUser().map(ConsentEngine::relative);
        fhirUser.ifPresent(actors::add);
        actors.add("client:" + token.clientId());
        Set<String> cleared = new HashSet<>();
        token.roles().forEach(role -> cleared.addAll(settings.clearances().getOrDefault(role, Set.of())));
        Optional<String> practitioner = fhirUser.filter(user -> user.startsWith("Practitioner/"));
        boolean userScopes = token.scopes().stream().anyMatch(scope -> scope.context() == SmartScope.Context.USER);
        boolean relationship = settings.treatmentRelationship()
                && userScopes
                && token.roles().stream().anyMatch(settings.relationshipRoles()::contains);
        return new AccessRequest(
                token.subject(),
                actors,
                purpose,
                cleared,
                practitioner,
                relationship,
                token.ownPatient(),
                clock.instant(),
                resolved.map(RequestPurpose::binding).orElse(Set.of(purpose)));
    }

    /** {@code https://host/fhir/Practitioner/1} → {@code Practitioner/1}. */
    private static String relative(String reference) {
        String[] parts = reference.split("/");
        return parts.length >= 2 ? parts[parts.length - 2] + "/" + parts[parts.length - 1] : reference;
    }

    /**
     * Why a request must be refused because its answer would tell what consent withholds from the
     * requester, if it must: a reverse chain ({@code _has}) over a type consent may withhold (its
     * matches are judged over all stored data); a conditional create, update, patch or delete of
     * such a type (whether the match exists shows in the status) and {@code $validate} of a stored
     * instance (404 or not), except for backend services. Empty for requesters consent does not
     * bind.
     */
    public Optional<String> oracleRefusal(RequestDetails request) {
        if (!isConsentBound(request) || start(request).ownRecord()) {
            return Optional.empty(); // a patient's criteria are narrowed to their own compartment
        }
        String type = request.getResourceName();
        for (String name : request.getParameters().keySet()) {
            if (name.startsWith("_has:")) {
                String[] parts = name.split(":", 3);
                if (parts.length < 2 || mayBeWithheld(parts[1])) {
                    return Optional.of("search parameter " + name.split(":", 2)[0] + " matches over data patient"
                            + " consent may withhold from you; search that type directly");
                }
            } else if (type != null && name.indexOf('.') > 0 && chainsOntoWithheld(type, name)) {
                return Optional.of("search parameter " + name.substring(0, name.indexOf('.'))
                        + " chains onto data patient consent may withhold from you; search that type directly");
            }
        }
        RestOperationTypeEnum operation = request.getRestOperationType();
        if (operation == null || type == null || !mayBeWithheld(type) || isBackendService()) {
            // a backend service (an interface engine: system/ scopes only) keeps conditional writes,
            // which integrations depend on (docs/consent.md: what it can learn through them)
            return Optional.empty();
        }
        boolean conditional = switch (operation) {
            case CREATE -> request.getHeader("If-None-Exist") != null;
            case UPDATE, PATCH, DELETE -> request.getId() == null && request.getConditionalUrl(operation) != null;
            default -> false;
        };
        if (conditional) {
            return Optional.of("conditional " + operation.getCode() + " of " + type
                    + " would tell whether data patient consent withholds from you exists; write by id");
        }
        boolean validate = operation == RestOperationTypeEnum.VALIDATE || "$validate".equals(request.getOperation());
        if (validate && request.getId() != null && request.getId().hasIdPart()) {
            return Optional.of("$validate of a stored " + type
                    + " would tell whether it exists where patient consent applies; validate at type level");
        }
        return Optional.empty();
    }

    /**
     * Whether a forward chain ({@code subject.name}, {@code diagnosis:Condition._security}) may
     * step onto a type consent may withhold: HAPI matches the chain over all stored data, so its
     * criteria would judge resources the requester may not see (a psychiatric diagnosis, a
     * restricted Patient's name). Only its first step is looked at: every later one starts from a
     * resource of that type.
     */
    private boolean chainsOntoWithheld(String type, String name) {
        String first = name.substring(0, name.indexOf('.'));
        int modifier = first.indexOf(':');
        String parameter = modifier < 0 ? first : first.substring(0, modifier);
        if (modifier >= 0) {
            return mayBeWithheld(first.substring(modifier + 1));
        }
        if (!fhir.getResourceTypes().contains(type)) {
            return true;
        }
        RuntimeSearchParam definition = fhir.getResourceDefinition(type).getSearchParam(parameter);
        if (definition == null || definition.getTargets().isEmpty()) {
            return true;
        }
        return definition.getTargets().stream().anyMatch(this::mayBeWithheld);
    }

    /**
     * Why a user's app may not change or delete this stored resource: consent withholds it from
     * them, so it answers as if absent (404), the same as a resource that does not exist. Empty
     * when the write may go on (requesters consent does not bind, backend services, a patient's
     * own token, types consent never withholds).
     */
    public Optional<String> writeRefusal(RequestDetails request, IBaseResource stored) {
        if (!judgesWritesOf(request, fhir.getResourceType(stored))) {
            return Optional.empty();
        }
        return decideWhole(request, stored)
                ? Optional.empty()
                : Optional.of(fhir.getResourceType(stored) + "/"
                        + stored.getIdElement().getIdPart());
    }

    /**
     * Whether consent judges this requester's writes of the type: users' apps (not backend
     * services, nor a patient on their own record) writing a type consent may withhold. For them an
     * update, patch or delete of a withheld resource, an update that would create one under a
     * client-assigned id, and a delete of an absent id all answer the same 404.
     */
    public boolean judgesWritesOf(RequestDetails request, String type) {
        return request != null
                && isConsentBound(request)
                && !start(request).ownRecord()
                && !isBackendService()
                && mayBeWithheld(type);
    }

    private boolean isBackendService() {
        return tokens.current()
                .map(token -> !token.scopes().isEmpty()
                        && token.scopes().stream().allMatch(scope -> scope.context() == SmartScope.Context.SYSTEM))
                .orElse(false);
    }

    /** Whether consent may withhold resources of the type (patient data, not exempt). */
    private boolean mayBeWithheld(String type) {
        return ownership.kind(type) != PatientOwnership.Kind.NOT_PATIENT_DATA
                && !settings.exemptTypes().contains(type);
    }

    /** The requester's own Practitioner, when the treatment relationship binds them. */
    public Optional<String> relationshipBoundPractitioner(RequestDetails request) {
        return start(request)
                .access()
                .filter(AccessRequest::relationshipRequired)
                .flatMap(AccessRequest::practitioner);
    }

    /** Whether the practitioner ({@code Practitioner/x}) treats the patient now. */
    public boolean treats(String practitioner, String patient) {
        return relationships.treats(practitioner, patient);
    }

    /** Whether consent applies to the request's requester at all (it does not to exempt ones). */
    public boolean isConsentBound(RequestDetails request) {
        return start(request).access().isPresent();
    }

    /**
     * Whether a resource a search found may be part of its result, judged from the facts the
     * storage's indexes give before the resource is loaded ({@link FoundResources}). What is
     * withheld here is not in the result set at all; what passes is judged again from its content
     * before it is shown (and recorded in the audit trail only once when both agree).
     */
    public boolean permitsFound(RequestDetails request, FoundResources.Found found) {
        RequestConsent state = start(request);
        if (state.access().isEmpty()) {
            return true;
        }
        ResourceFacts facts = found.facts();
        if (isOwnOnly(state, facts)) {
            return true;
        }
        boolean exempt = settings.exemptTypes().contains(facts.type());
        if (exempt && !state.access().get().relationshipRequired()) {
            return true;
        }
        String key = facts.reference() + "/" + found.version();
        Decision decision = state.found().get(key);
        if (decision == null) {
            decision = judge(state, facts, exempt);
            state.found().put(key, decision);
            note(request, decision);
        }
        return decision.permitted();
    }

    private boolean decide(RequestDetails request, IBaseResource resource, boolean ownIdentity) {
        RequestConsent state = start(request);
        if (state.access().isEmpty()) {
            return true;
        }
        String type = fhir.getResourceType(resource);
        boolean exempt = settings.exemptTypes().contains(type);
        if (exempt && !state.access().get().relationshipRequired()) {
            return true;
        }
        String key = ownIdentity ? versionKey(resource) : null;
        Decision decision = key == null ? null : state.decided().get(key);
        if (decision == null) {
            ResourceFacts facts;
            try {
                facts = ResourceFacts.of(fhir, terser, ownership, resource);
                if (ownIdentity
                        && readsVersions(request)
                        && resource.getIdElement().hasIdPart()) {
                    // a label on any version protects every version
                    facts = facts.withLabels(labelHistory.everyVersion(
                            type, resource.getIdElement().getIdPart()));
                }
            } catch (RuntimeException e) {
                throw new ConsentUnavailableException(e);
            }
            if (isOwnOnly(state, facts)) {
                return true;
            }
            decision = judge(state, facts, exempt);
            Decision whenFound = key == null ? null : state.found().get(key);
            if (key != null) {
                state.decided().put(key, decision);
            }
            if (!decision.equals(whenFound)) {
                note(request, decision); // recorded when found already, unless the content says otherwise
            }
        }
        return decision.permitted();
    }

    /** A patient's own data, and nobody else's: theirs to see, nothing to judge or record. */
    private static boolean isOwnOnly(RequestConsent state, ResourceFacts facts) {
        return state.ownRecord()
                && facts.ownerDecided()
                && !facts.patients().isEmpty()
                && state.access()
                        .flatMap(AccessRequest::ownPatient)
                        .map(own -> facts.patients().equals(Set.of(own)))
                        .orElse(false);
    }

    /** Whether the request may return versions other than the current one. */
    private static boolean readsVersions(RequestDetails request) {
        RestOperationTypeEnum operation = request.getRestOperationType();
        return operation == RestOperationTypeEnum.VREAD
                || operation == RestOperationTypeEnum.HISTORY_INSTANCE
                || operation == RestOperationTypeEnum.HISTORY_TYPE
                || operation == RestOperationTypeEnum.HISTORY_SYSTEM;
    }

    private Decision judge(RequestConsent state, ResourceFacts facts, boolean exempt) {
        try {
            return exempt
                    ? policy.decideRelationshipOnly(state.access().get(), facts, new Facts(state))
                    : policy.decide(state.access().get(), facts, new Facts(state));
        } catch (BaseServerResponseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ConsentUnavailableException(e);
        }
    }

    private static void note(RequestDetails request, Decision decision) {
        AuditNotes notes = AuditNotes.of(request);
        if (decision.isNotable()) {
            notes.consentDecision(decision.auditText());
        }
        if (decision.reason() == Decision.Reason.BREAK_GLASS) {
            notes.purposeOfUse(PurposeOfUse.ETREAT.name() + " " + PurposeOfUse.BTG.name());
        }
    }

    /** The policy's view of patients, remembered for the rest of the request. */
    private final class Facts implements ConsentPolicy.PatientFacts {

        private final RequestConsent state;

        Facts(RequestConsent state) {
            this.state = state;
        }

        @Override
        public List<ConsentDirective> directives(String patient) {
            return state.directives().computeIfAbsent(patient, directives::active);
        }

        @Override
        public boolean treats(String practitioner, String patient) {
            return state.treated().computeIfAbsent(patient, p -> relationships.treats(practitioner, p));
        }

        @Override
        public Optional<String> breakGlass(String patient) {
            return Optional.ofNullable(state.breakGlass().get(patient));
        }
    }
}
