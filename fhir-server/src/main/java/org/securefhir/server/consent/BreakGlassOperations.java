package org.securefhir.server.consent;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.securefhir.interceptors.audit.AuditNotes;
import org.securefhir.interceptors.authorization.AccessToken;
import org.securefhir.interceptors.authorization.AccessTokens;
import org.securefhir.interceptors.authorization.PurposeOfUse;

/**
 * Break-glass: {@code POST Patient/{id}/$break-glass} declares emergency access to one patient
 * (a practitioner, with a reason code and text; lasts {@code consent.break-glass-duration}), and
 * {@code [base]/$break-glass-review} is compliance's queue (GET lists unreviewed declarations,
 * POST marks one reviewed with a note). Which roles may call each is the access policy's
 * ({@code operations}); declarations and reviews are audited like every request, a declaration
 * with purpose of use {@code ETREAT BTG} (which raises the break-glass alert).
 */
public final class BreakGlassOperations {

    public static final String REASON_SYSTEM = "https://securefhir.org/fhir/CodeSystem/break-glass-reason";

    private final JdbcBreakGlass store;
    private final ConsentChangeFeed feed;
    private final AccessTokens tokens;
    private final DaoRegistry daos;
    private final Duration lasting;

    BreakGlassOperations(
            JdbcBreakGlass store, ConsentChangeFeed feed, AccessTokens tokens, DaoRegistry daos, Duration lasting) {
        this.store = store;
        this.feed = feed;
        this.tokens = tokens;
        this.daos = daos;
        this.lasting = lasting;
    }

    @Operation(name = "$break-glass", type = Patient.class, idempotent = false)
    public Parameters declare(
            @IdParam IdType patient,
            @OperationParam(name = "reason", min = 1, max = 1) CodeType reason,
            @OperationParam(name = "text", min = 1, max = 1) StringType text,
            RequestDetails request) {
        AccessToken token = tokens.current().orElseThrow(() -> new ForbiddenOperationException("No access token"));
        String practitioner = BreakGlassRequests.practitioner(token.fhirUser());
        String code = BreakGlassRequests.reason(reason == null ? null : reason.getValue());
        String justification = BreakGlassRequests.justification(text == null ? null : text.getValue());
        // the patient must exist (read as the system: the declarer may not see them yet)
        daos.getResourceDao(Patient.class).read(patient.toUnqualifiedVersionless(), new SystemRequestDetails());
        AuditNotes.of(request).purposeOfUse(PurposeOfUse.ETREAT.name() + " " + PurposeOfUse.BTG.name());
        JdbcBreakGlass.Declaration declaration = store.declare(
                token.subject(),
                Optional.of(practitioner),
                token.clientId(),
                patient.getIdPart(),
                code,
                justification,
                lasting);
        feed.publish("u:" + token.subject());
        AuditNotes.of(request)
                .consentDecision(
                        "declare break-glass declaration " + declaration.id() + " " + declaration.reasonCode());
        return render(declaration);
    }

    @Operation(name = "$break-glass-review", idempotent = true)
    public Parameters review(
            @OperationParam(name = "status", max = 1) CodeType status,
            @OperationParam(name = "declaration", max = 1) StringType declaration,
            @OperationParam(name = "note", max = 1) StringType note,
            RequestDetails request) {
        if (request.getRequestType() == RequestTypeEnum.GET) {
            if (declaration != null || note != null) {
                throw new InvalidRequestException("Mark a declaration reviewed with POST");
            }
            boolean onlyUnreviewed = BreakGlassRequests.onlyUnreviewed(status == null ? null : status.getValue());
            Parameters list = new Parameters();
            List<JdbcBreakGlass.Declaration> found = store.list(onlyUnreviewed, 500);
            list.addParameter("count", new IntegerType(found.size()));
            found.forEach(item -> list.addParameter()
                    .setName("declaration")
                    .setPart(render(item).getParameter()));
            return list;
        }
        AccessToken token = tokens.current().orElseThrow(() -> new ForbiddenOperationException("No access token"));
        UUID id = BreakGlassRequests.declaration(declaration == null ? null : declaration.getValue());
        String text = BreakGlassRequests.reviewNote(note == null ? null : note.getValue());
        if (store.find(id).isEmpty()) {
            throw new ResourceNotFoundException("No break-glass declaration " + id);
        }
        if (!store.review(id, token.subject(), text)) {
            throw new ResourceVersionConflictException("Break-glass declaration " + id + " is reviewed already");
        }
        return render(store.find(id).orElseThrow());
    }

    private static Parameters render(JdbcBreakGlass.Declaration declaration) {
        Parameters parameters = new Parameters();
        parameters.addParameter("id", new StringType(declaration.id().toString()));
        parameters.addParameter("patient", new Reference("Patient/" + declaration.patient()));
        parameters.addParameter("user", new StringType(declaration.userId()));
        declaration.fhirUser().ifPresent(user -> parameters.addParameter("practitioner", new Reference(user)));
        parameters.addParameter("client", new StringType(declaration.clientId()));
        parameters.addParameter("reason", new Coding(REASON_SYSTEM, declaration.reasonCode(), null));
        parameters.addParameter("text", new StringType(declaration.reasonText()));
        parameters.addParameter("declared", new InstantType(Date.from(declaration.declared())));
        parameters.addParameter("expires", new InstantType(Date.from(declaration.expires())));
        parameters.addParameter(
                "reviewed", new BooleanType(declaration.reviewed().isPresent()));
        declaration.reviewed().ifPresent(at -> parameters.addParameter("reviewed-at", new InstantType(Date.from(at))));
        declaration.reviewer().ifPresent(who -> parameters.addParameter("reviewer", new StringType(who)));
        declaration.reviewNote().ifPresent(text -> parameters.addParameter("note", new StringType(text)));
        return parameters;
    }
}
