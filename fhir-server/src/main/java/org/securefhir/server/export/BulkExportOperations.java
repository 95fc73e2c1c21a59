package org.securefhir.server.export;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.StringType;
import org.securefhir.interceptors.audit.AuditNotes;
import org.securefhir.interceptors.authorization.AccessToken;
import org.securefhir.interceptors.authorization.AccessTokens;
import org.securefhir.interceptors.authorization.Interaction;
import org.securefhir.interceptors.authorization.Permissions;
import org.securefhir.interceptors.authorization.RequestPermissions;
import org.securefhir.interceptors.authorization.RequestPurpose;
import org.securefhir.server.export.ExportJobs.FileContent;
import org.securefhir.server.export.ExportJobs.Job;
import org.securefhir.server.export.ExportRequest.Level;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * FHIR Bulk Data Access 2.0 export: kick-off ({@code $export} at server level, on Patient, on a
 * Group), status ({@code $export-poll-status}, DELETE to cancel) and files ({@code
 * $export-download}). These operations pass the role policy like any other (the role must name
 * {@code export}); here: only a backend service (system/ scopes, no patient context) may export,
 * only the types it may search, and an export's status and files answer only the client (and
 * subject) that kicked it off; anyone else gets the same 404 as for an export that never existed.
 */
final class BulkExportOperations {

    static final String NDJSON = "application/fhir+ndjson";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Served by the audit trail, not by the FHIR store; auditors have their own operations. */
    private static final Set<String> NEVER_EXPORTED = Set.of("AuditEvent");

    private final ExportJobs jobs;
    private final ExportRunner runner;
    private final RequestPermissions permissions;
    private final AccessTokens tokens;
    private final BulkExportProperties properties;
    private final Set<String> systemTypes;
    private final Set<String> patientTypes;
    private final Clock clock;

    BulkExportOperations(
            ExportJobs jobs,
            ExportRunner runner,
            RequestPermissions permissions,
            AccessTokens tokens,
            BulkExportProperties properties,
            Set<String> servedTypes,
            Clock clock) {
        this.jobs = jobs;
        this.runner = runner;
        this.permissions = permissions;
        this.tokens = tokens;
        this.properties = properties;
        this.clock = clock;
        this.systemTypes = servedTypes.stream()
                .filter(type -> !NEVER_EXPORTED.contains(type))
                .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
        this.patientTypes = systemTypes.stream()
                .filter(type -> type.equals("Patient")
                        || !runner.compartmentParameters(type).isEmpty())
                .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
    }

    @Operation(name = "$export", idempotent = true)
    public OperationOutcome exportAll(
            RequestDetails request,
            HttpServletResponse response,
            @OperationParam(name = "_outputFormat", typeName = "string") StringType outputFormat,
            @OperationParam(name = "_type", typeName = "string", max = OperationParam.MAX_UNLIMITED)
                    List<StringType> type,
            @OperationParam(name = "_since", typeName = "string") StringType since,
            @OperationParam(name = "_typeFilter", typeName = "string", max = OperationParam.MAX_UNLIMITED)
                    List<StringType> typeFilter) {
        return kickOff(Level.SYSTEM, Optional.empty(), request, response, outputFormat, type, since, typeFilter);
    }

    @Operation(name = "$export", type = Patient.class, idempotent = true)
    public OperationOutcome exportPatients(
            RequestDetails request,
            HttpServletResponse response,
            @OperationParam(name = "_outputFormat", typeName = "string") StringType outputFormat,
            @OperationParam(name = "_type", typeName = "string", max = OperationParam.MAX_UNLIMITED)
                    List<StringType> type,
            @OperationParam(name = "_since", typeName = "string") StringType since,
            @OperationParam(name = "_typeFilter", typeName = "string", max = OperationParam.MAX_UNLIMITED)
                    List<StringType> typeFilter) {
        return kickOff(Level.PATIENT, Optional.empty(), request, response, outputFormat, type, since, typeFilter);
    }

    @Operation(name = "$export", type = Group.class, idempotent = true)
    public OperationOutcome exportGroup(
            @IdParam IdType group,
            RequestDetails request,
            HttpServletResponse response,
            @OperationParam(name = "_outputFormat", typeName = "string") StringType outputFormat,
            @OperationParam(name = "_type", typeName = "string", max = OperationParam.MAX_UNLIMITED)
                    List<StringType> type,
            @OperationParam(name = "_since", typeName = "string") StringType since,
            @OperationParam(name = "_typeFilter", typeName = "string", max = OperationParam.MAX_UNLIMITED)
                    List<StringType> typeFilter) {
        return kickOff(
                Level.GROUP, Optional.of(group.getIdPart()), request, response, outputFormat, type, since, typeFilter);
    }

    private OperationOutcome kickOff(
            Level level,
            Optional<String> group,
            RequestDetails request,
            HttpServletResponse response,
            StringType outputFormat,
            List<StringType> type,
            StringType since,
            List<StringType> typeFilter) {
        String prefer = Optional.ofNullable(request.getHeader("Prefer")).orElse("");
        if (!prefer.toLowerCase(Locale.ROOT).contains("respond-async")) {
            throw new InvalidRequestException("A bulk export needs the header Prefer: respond-async");
        }
        Permissions granted = permissions.current();
        AccessToken token = tokens.current().orElseThrow(() -> new ForbiddenOperationException("No token"));
        if (!granted.isBackendService() || granted.onlyCompartment().isPresent()) {
            throw new ForbiddenOperationException(
                    "Access denied: bulk export is for backend services (system/ scopes)");
        }
        Set<String> exportable = level == Level.SYSTEM ? systemTypes : patientTypes;
        ExportRequest parsed = ExportRequest.parse(
                level, group, parameters(request, outputFormat, type, since, typeFilter), exportable);
        List<String> types = new ArrayList<>();
        if (parsed.types().isEmpty()) {
            exportable.stream()
                    .filter(name -> granted.allows(name, Interaction.SEARCH))
                    .forEach(types::add);
        } else {
            for (String name : parsed.types()) {
                if (!granted.allows(name, Interaction.SEARCH)) {
                    throw new ForbiddenOperationException("Access denied: search of " + name + " is not allowed");
                }
                types.add(name);
            }
        }
        if (types.isEmpty()) {
            throw new ForbiddenOperationException("Access denied: no type of this export may be searched");
        }
        if (jobs.running(token.clientId()) >= properties.maxRunningPerClient()) {
            throw new TooManyExports(properties.maxRunningPerClient());
        }
        Instant now = clock.instant();
        UUID id = jobs.create(
                token.clientId(),
                token.subject(),
                now,
                request.getCompleteUrl(),
                now.plus(properties.maxDuration()).plus(properties.fileLifetime()));
        runner.start(id, parsed, types, authority(request, id), now);

        response.setStatus(HttpServletResponse.SC_ACCEPTED);
        response.addHeader("Content-Location", statusUrl(request, id));
        OperationOutcome accepted = new OperationOutcome();
        accepted.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.INFORMATION)
                .setCode(OperationOutcome.IssueType.INFORMATIONAL)
                .setDiagnostics("Export accepted: poll the Content-Location for its status");
        return accepted;
    }

    private static Map<String, String[]> parameters(
            RequestDetails request,
            StringType outputFormat,
            List<StringType> type,
            StringType since,
            List<StringType> typeFilter) {
        Map<String, String[]> parameters = new LinkedHashMap<>();
        if (request.getRequestType() == RequestTypeEnum.GET && request.getParameters() != null) {
            parameters.putAll(request.getParameters());
        }
        put(parameters, "_outputFormat", outputFormat == null ? List.of() : List.of(outputFormat));
        put(parameters, "_type", type);
        put(parameters, "_since", since == null ? List.of() : List.of(since));
        put(parameters, "_typeFilter", typeFilter);
        return parameters;
    }

    private static void put(Map<String, String[]> parameters, String name, List<StringType> values) {
        if (values != null && !values.isEmpty()) {
            parameters.put(name, values.stream().map(StringType::getValue).toArray(String[]::new));
        }
    }

    private InternalSearches.Authority authority(RequestDetails request, UUID id) {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", "application/fhir+json");
        String agent = Optional.ofNullable(request.getHeader("User-Agent")).orElse("client");
        headers.put("User-Agent", agent + " (bulk export " + id + ")");
        Optional.ofNullable(request.getHeader(RequestPurpose.HEADER))
                .ifPresent(purpose -> headers.put(RequestPurpose.HEADER, purpose));
        String address = request instanceof ServletRequestDetails servlet && servlet.getServletRequest() != null
                ? servlet.getServletRequest().getRemoteAddr()
                : "127.0.0.1";
        return new InternalSearches.Authority(
                authentication, URI.create(request.getFhirServerBase()), headers, address);
    }

    /** Status: 202 while running, the manifest when done, the failure's status if it failed; DELETE cancels. */
    @Operation(name = "$export-poll-status", idempotent = true, deleteEnabled = true, manualResponse = true)
    public void status(
            RequestDetails request,
            HttpServletResponse response,
            @OperationParam(name = "_jobId", typeName = "string", min = 1) StringType jobId)
            throws IOException {
        Job job = ownJob(jobId);
        if (request.getRequestType() == RequestTypeEnum.DELETE) {
            jobs.delete(job.id());
            response.setStatus(HttpServletResponse.SC_ACCEPTED);
            writeOutcome(response, "Export " + job.id() + " cancelled; its files are deleted");
            return;
        }
        switch (job.status()) {
            case IN_PROGRESS -> {
                response.setStatus(HttpServletResponse.SC_ACCEPTED);
                response.setHeader("X-Progress", job.progress().orElse("in progress"));
                response.setHeader(
                        "Retry-After",
                        Long.toString(Math.max(1, properties.retryAfter().toSeconds())));
            }
            case FAILED ->
                throw BaseServerResponseException.newInstance(
                        job.failureStatus() >= 400 ? job.failureStatus() : 500,
                        "The export failed: " + job.failure().orElse("unknown reason"));
            case COMPLETED -> {
                response.setStatus(HttpServletResponse.SC_OK);
                response.setContentType("application/json");
                response.setCharacterEncoding(StandardCharsets.UTF_8.name());
                response.setHeader(
                        "Expires",
                        java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                                job.expires().atZone(java.time.ZoneOffset.UTC)));
                response.getWriter().write(JSON.writeValueAsString(manifest(request, job)));
            }
        }
    }

    private ObjectNode manifest(RequestDetails request, Job job) {
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("transactionTime", new InstantType(java.util.Date.from(job.transactionTime())).getValueAsString());
        manifest.put("request", jobs.requestUrl(job.id()));
        manifest.put("requiresAccessToken", true);
        ArrayNode output = manifest.putArray("output");
        ArrayNode error = manifest.putArray("error");
        for (ExportJobs.FileEntry file : jobs.files(job.id())) {
            ObjectNode entry = (file.kind().equals("error") ? error : output).addObject();
            entry.put("type", file.resourceType());
            entry.put(
                    "url",
                    request.getFhirServerBase() + "/$export-download?_jobId=" + job.id() + "&_file=" + file.seq());
            entry.put("count", file.count());
        }
        return manifest;
    }

    /** One file of a finished export, as NDJSON; its patients are recorded in the download's audit record. */
    @Operation(name = "$export-download", idempotent = true)
    public Binary download(
            RequestDetails request,
            @OperationParam(name = "_jobId", typeName = "string", min = 1) StringType jobId,
            @OperationParam(name = "_file", typeName = "string", min = 1) StringType file) {
        Job job = ownJob(jobId);
        int seq;
        try {
            seq = Integer.parseInt(file.getValue());
        } catch (NumberFormatException e) {
            throw new ResourceNotFoundException("No such export file");
        }
        if (job.status() != ExportJobs.Status.COMPLETED) {
            throw new ResourceNotFoundException("No such export file");
        }
        FileContent content =
                jobs.file(job.id(), seq).orElseThrow(() -> new ResourceNotFoundException("No such export file"));
        AuditNotes.of(request).patients(content.patients());
        Binary binary = new Binary();
        binary.setContentType(NDJSON);
        binary.setData(content.ndjson());
        return binary;
    }

    /** The export, if it exists, has not expired and belongs to the caller's client and subject. */
    private Job ownJob(StringType jobId) {
        UUID id;
        try {
            id = UUID.fromString(jobId == null ? "" : jobId.getValue());
        } catch (IllegalArgumentException e) {
            throw new ResourceNotFoundException("No such export");
        }
        AccessToken token = tokens.current().orElseThrow(() -> new ResourceNotFoundException("No such export"));
        return jobs.find(id)
                .filter(job ->
                        job.clientId().equals(token.clientId()) && job.subject().equals(token.subject()))
                .orElseThrow(() -> new ResourceNotFoundException("No such export"));
    }

    private static String statusUrl(RequestDetails request, UUID id) {
        return request.getFhirServerBase() + "/$export-poll-status?_jobId=" + id;
    }

    private static void writeOutcome(HttpServletResponse response, String text) throws IOException {
        response.setContentType("application/fhir+json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter()
                .write("{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"information\","
                        + "\"code\":\"informational\",\"diagnostics\":" + JSON.writeValueAsString(text) + "}]}");
    }

    /** 429: the client has as many exports running as it may. */
    static final class TooManyExports extends BaseServerResponseException {
        TooManyExports(int limit) {
            super(
                    429,
                    "Too many bulk exports running for this client (at most " + limit
                            + "); retry when one has finished");
        }
    }
}
