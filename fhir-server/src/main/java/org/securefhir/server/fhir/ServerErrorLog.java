package org.securefhir.server.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.securefhir.interceptors.InterceptorOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one log line of a failed FHIR request, without any value the client sent. HAPI's own
 * loggers of failures ({@code ExceptionHandlingInterceptor}, {@code BaseInterceptorService}) print
 * exception messages, which quote request values (an invalid birth date, a name searched for, a
 * malformed body): they are switched off in {@code application.yaml}, and this line takes their
 * place: the status, the method and path, the request id, and for each exception of the chain its
 * class and HAPI message codes; for server errors (5xx) also the innermost cause's stack frames,
 * never a message.
 */
@Interceptor
final class ServerErrorLog {

    private static final Logger log = LoggerFactory.getLogger(ServerErrorLog.class);
    private static final Pattern HAPI_CODE = Pattern.compile("HAPI-\\d{4}");
    private static final int FRAMES = 12;

    @Hook(value = Pointcut.SERVER_HANDLE_EXCEPTION, order = InterceptorOrder.UNIFORM_ERRORS)
    public boolean failed(RequestDetails request, BaseServerResponseException exception) {
        int status = exception.getStatusCode();
        String where = request.getRequestType() + " " + pathOf(request);
        if (status >= 500) {
            log.error(
                    "{} on {} (request {}): {}{}",
                    status,
                    where,
                    request.getRequestId(),
                    describe(exception),
                    frames(exception));
        } else {
            log.info("{} on {} (request {}): {}", status, where, request.getRequestId(), describe(exception));
        }
        return true;
    }

    private static String pathOf(RequestDetails request) {
        String path = request.getRequestPath();
        return path == null || path.isEmpty() ? "/" : "/" + path;
    }

    /** {@code InvalidRequestException[HAPI-0450 HAPI-1821] <- DataFormatException[HAPI-1821]}. */
    static String describe(Throwable exception) {
        StringBuilder text = new StringBuilder();
        Set<Throwable> seen = new LinkedHashSet<>();
        for (Throwable t = exception; t != null && seen.add(t); t = t.getCause()) {
            if (text.length() > 0) {
                text.append(" <- ");
            }
            text.append(t.getClass().getSimpleName());
            Matcher codes = HAPI_CODE.matcher(String.valueOf(t.getMessage()));
            Set<String> found = new LinkedHashSet<>();
            while (codes.find()) {
                found.add(codes.group());
            }
            if (!found.isEmpty()) {
                text.append('[').append(String.join(" ", found)).append(']');
            }
        }
        return text.toString();
    }

    private static String frames(Throwable exception) {
        Throwable root = exception;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        StringBuilder text = new StringBuilder();
        StackTraceElement[] trace = root.getStackTrace();
        for (int i = 0; i < Math.min(FRAMES, trace.length); i++) {
            text.append(System.lineSeparator()).append("\tat ").append(trace[i]);
        }
        return text.toString();
    }
}
