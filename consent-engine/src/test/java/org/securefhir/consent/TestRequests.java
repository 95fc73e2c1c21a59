package org.securefhir.consent;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.api.AddProfileTagEnum;
import ca.uhn.fhir.interceptor.api.IInterceptorBroadcaster;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.ETagSupportEnum;
import ca.uhn.fhir.rest.server.ElementsSupportEnum;
import ca.uhn.fhir.rest.server.IPagingProvider;
import ca.uhn.fhir.rest.server.IRestfulServerDefaults;
import ca.uhn.fhir.rest.server.interceptor.IServerInterceptor;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hl7.fhir.r4.model.IdType;

/**
 * Builds the requests HAPI hands to the consent interceptor: a user's request as the servlet layer
 * parses it ({@code TestRequests.user(READ, "Observation/o1").build()}). HAPI's own {@code
 * ServletRequestDetails} needs the servlet API, which this module does not have on its classpath;
 * {@link UserRequest} is a {@link RequestDetails} that, like it, is not a {@code
 * SystemRequestDetails} (the server's own requests, which consent does not judge).
 */
final class TestRequests {

    static final String BASE = "https://fhir.example.org/fhir";
    private static final FhirContext FHIR = FhirContext.forR4Cached();

    private final UserRequest request = new UserRequest();
    private final Map<String, String[]> parameters = new LinkedHashMap<>();

    private TestRequests(RestOperationTypeEnum operation, String url) {
        request.setRestOperationType(operation);
        request.setFhirServerBase(BASE);
        request.setCompleteUrl(BASE + "/" + url);
        int query = url.indexOf('?');
        String path = query < 0 ? url : url.substring(0, query);
        request.setRequestPath(path);
        String[] segments = path.split("/");
        if (!segments[0].isEmpty() && !segments[0].startsWith("$")) {
            request.setResourceName(segments[0]);
        }
        if (segments.length >= 2 && !segments[1].startsWith("$")) {
            request.setId(new IdType(segments[0], segments[1]));
        }
        if (segments[segments.length - 1].startsWith("$")) {
            request.setOperation(segments[segments.length - 1]);
        }
        if (query >= 0) {
            for (String pair : url.substring(query + 1).split("&")) {
                int equals = pair.indexOf('=');
                param(pair.substring(0, equals), pair.substring(equals + 1));
            }
        }
    }

    /** A user's request: {@code Observation/o1}, {@code Observation?code=x}, {@code Observation/o1/$validate}. */
    static TestRequests user(RestOperationTypeEnum operation, String url) {
        return new TestRequests(operation, url);
    }

    TestRequests param(String name, String... values) {
        parameters.merge(name, values, (old, more) -> {
            String[] all = new String[old.length + more.length];
            System.arraycopy(old, 0, all, 0, old.length);
            System.arraycopy(more, 0, all, old.length, more.length);
            return all;
        });
        return this;
    }

    TestRequests header(String name, String value) {
        request.addHeader(name, value);
        return this;
    }

    RequestDetails build() {
        request.setParameters(new HashMap<>(parameters));
        return request;
    }

    /** A request that came in over HTTP, with its headers and the server's FHIR context. */
    static final class UserRequest extends RequestDetails {

        private final Map<String, List<String>> headers = new HashMap<>();

        UserRequest() {
            super((IInterceptorBroadcaster) null);
        }

        @Override
        protected byte[] getByteStreamRequestContents() {
            return new byte[0];
        }

        @Override
        public Charset getCharset() {
            return StandardCharsets.UTF_8;
        }

        @Override
        public FhirContext getFhirContext() {
            return FHIR;
        }

        @Override
        public String getHeader(String name) {
            List<String> values = getHeaders(name);
            return values.isEmpty() ? null : values.get(0);
        }

        @Override
        public List<String> getHeaders(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }

        @Override
        public void addHeader(String name, String value) {
            headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), key -> new ArrayList<>())
                    .add(value);
        }

        @Override
        public void setHeaders(String name, List<String> values) {
            headers.put(name.toLowerCase(Locale.ROOT), new ArrayList<>(values));
        }

        @Override
        public InputStream getInputStream() {
            return new ByteArrayInputStream(new byte[0]);
        }

        @Override
        public Reader getReader() {
            return new StringReader("");
        }

        @Override
        public IRestfulServerDefaults getServer() {
            return SERVER;
        }

        @Override
        public String getServerBaseForRequest() {
            return BASE;
        }
    }

    /** What HAPI's consent interceptor asks of the server: its FHIR context. */
    private static final IRestfulServerDefaults SERVER = new IRestfulServerDefaults() {
        @Override
        public AddProfileTagEnum getAddProfileTag() {
            return AddProfileTagEnum.NEVER;
        }

        @Override
        public EncodingEnum getDefaultResponseEncoding() {
            return EncodingEnum.JSON;
        }

        @Override
        public ETagSupportEnum getETagSupport() {
            return ETagSupportEnum.ENABLED;
        }

        @Override
        public ElementsSupportEnum getElementsSupport() {
            return ElementsSupportEnum.STANDARD;
        }

        @Override
        public FhirContext getFhirContext() {
            return FHIR;
        }

        @Override
        public List<IServerInterceptor> getInterceptors_() {
            return List.of();
        }

        @Override
        public IPagingProvider getPagingProvider() {
            return null;
        }

        @Override
        public boolean isDefaultPrettyPrint() {
            return false;
        }

        @Override
        public IInterceptorService getInterceptorService() {
            return null;
        }
    };
}
