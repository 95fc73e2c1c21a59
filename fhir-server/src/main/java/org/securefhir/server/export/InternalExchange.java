package org.securefhir.server.export;

import ca.uhn.fhir.util.UrlUtil;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringReader;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * One GET request handed to the FHIR servlet inside the server, and its captured answer: how an
 * export searches as the client that asked for it, through the very pipeline (role policy, scopes,
 * HAPI's authorization rules, consent, decryption, element masking, audit) an HTTP request of that
 * client goes through. Only what a GET needs is implemented; anything else the servlet might call
 * fails loudly ({@link UnsupportedOperationException}) rather than answering something made up.
 */
final class InternalExchange {

    private InternalExchange() {}

    /**
     * @param base the FHIR base URL as the client used it ({@code https://host:port/fhir})
     * @param pathAndQuery relative to the base ({@code Observation?_count=200})
     */
    static Request get(
            ServletContext context, URI base, String pathAndQuery, Map<String, String> headers, String remoteAddress) {
        return new Request(context, base, pathAndQuery, headers, remoteAddress);
    }

    static Response response() {
        return new Response();
    }

    private static <T> T unsupported(Class<T> type) {
        return type.cast(Proxy.newProxyInstance(
                InternalExchange.class.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
                    if (method.getName().equals("toString")) {
                        return "internal " + type.getSimpleName();
                    }
                    throw new UnsupportedOperationException(
                            "internal request: " + type.getSimpleName() + "." + method.getName());
                }));
    }

    /** A GET of the FHIR servlet. */
    static final class Request extends HttpServletRequestWrapper {

        private final ServletContext context;
        private final URI base;
        private final String path;
        private final String query;
        private final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        private final Map<String, Object> attributes = new HashMap<>();
        private final String remoteAddress;
        private final String id = UUID.randomUUID().toString();

        private Request(
                ServletContext context,
                URI base,
                String pathAndQuery,
                Map<String, String> headers,
                String remoteAddress) {
            super(unsupported(HttpServletRequest.class));
            this.context = context;
            this.base = base;
            int question = pathAndQuery.indexOf('?');
            this.path = question < 0 ? pathAndQuery : pathAndQuery.substring(0, question);
            this.query = question < 0 ? null : pathAndQuery.substring(question + 1);
            this.headers.putAll(headers);
            this.remoteAddress = remoteAddress;
        }

        @Override
        public String getMethod() {
            return "GET";
        }

        @Override
        public String getScheme() {
            return base.getScheme();
        }

        @Override
        public String getServerName() {
            return base.getHost();
        }

        @Override
        public int getServerPort() {
            return base.getPort() > 0 ? base.getPort() : 443;
        }

        @Override
        public boolean isSecure() {
            return "https".equals(base.getScheme());
        }

        @Override
        public String getProtocol() {
            return "HTTP/1.1";
        }

        @Override
        public String getContextPath() {
            return "";
        }

        @Override
        public String getServletPath() {
            return base.getPath();
        }

        @Override
        public String getPathInfo() {
            return path.isEmpty() ? null : "/" + path;
        }

        @Override
        public String getPathTranslated() {
            return null;
        }

        @Override
        public String getRequestURI() {
            return base.getPath() + (path.isEmpty() ? "" : "/" + path);
        }

        @Override
        public StringBuffer getRequestURL() {
            String origin = base.getScheme() + "://" + base.getRawAuthority();
            return new StringBuffer(origin + getRequestURI());
        }

        @Override
        public String getQueryString() {
            return query;
        }

        @Override
        public Map<String, String[]> getParameterMap() {
            return query == null ? Map.of() : UrlUtil.parseQueryString(query);
        }

        @Override
        public String getParameter(String name) {
            String[] values = getParameterMap().get(name);
            return values == null ? null : values[0];
        }

        @Override
        public String[] getParameterValues(String name) {
            return getParameterMap().get(name);
        }

        @Override
        public Enumeration<String> getParameterNames() {
            return Collections.enumeration(getParameterMap().keySet());
        }

        @Override
        public String getHeader(String name) {
            return headers.get(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            String value = headers.get(name);
            return Collections.enumeration(value == null ? List.of() : List.of(value));
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            return Collections.enumeration(new ArrayList<>(headers.keySet()));
        }

        @Override
        public int getIntHeader(String name) {
            String value = headers.get(name);
            return value == null ? -1 : Integer.parseInt(value);
        }

        @Override
        public long getDateHeader(String name) {
            return -1;
        }

        @Override
        public String getContentType() {
            return null;
        }

        @Override
        public String getCharacterEncoding() {
            return null;
        }

        @Override
        public void setCharacterEncoding(String encoding) {
            // a GET has no body
        }

        @Override
        public int getContentLength() {
            return -1;
        }

        @Override
        public long getContentLengthLong() {
            return -1;
        }

        @Override
        public ServletInputStream getInputStream() {
            return new ServletInputStream() {
                @Override
                public boolean isFinished() {
                    return true;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("internal request: no asynchronous reads");
                }

                @Override
                public int read() {
                    return -1;
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new StringReader(""));
        }

        @Override
        public Object getAttribute(String name) {
            return attributes.get(name);
        }

        @Override
        public Enumeration<String> getAttributeNames() {
            return Collections.enumeration(new ArrayList<>(attributes.keySet()));
        }

        @Override
        public void setAttribute(String name, Object value) {
            attributes.put(name, value);
        }

        @Override
        public void removeAttribute(String name) {
            attributes.remove(name);
        }

        @Override
        public String getRemoteAddr() {
            return remoteAddress;
        }

        @Override
        public String getRemoteHost() {
            return remoteAddress;
        }

        @Override
        public int getRemotePort() {
            return 0;
        }

        @Override
        public String getLocalAddr() {
            return base.getHost();
        }

        @Override
        public String getLocalName() {
            return base.getHost();
        }

        @Override
        public int getLocalPort() {
            return getServerPort();
        }

        @Override
        public Locale getLocale() {
            return Locale.ROOT;
        }

        @Override
        public Enumeration<Locale> getLocales() {
            return Collections.enumeration(List.of(Locale.ROOT));
        }

        @Override
        public ServletContext getServletContext() {
            return context;
        }

        @Override
        public DispatcherType getDispatcherType() {
            return DispatcherType.REQUEST;
        }

        @Override
        public boolean isAsyncStarted() {
            return false;
        }

        @Override
        public boolean isAsyncSupported() {
            return false;
        }

        @Override
        public String getRequestId() {
            return id;
        }

        @Override
        public String getProtocolRequestId() {
            return "";
        }

        @Override
        public java.security.Principal getUserPrincipal() {
            return null;
        }

        @Override
        public String getRemoteUser() {
            return null;
        }

        @Override
        public String getAuthType() {
            return null;
        }

        @Override
        public jakarta.servlet.http.Cookie[] getCookies() {
            return null;
        }

        @Override
        public jakarta.servlet.http.HttpSession getSession(boolean create) {
            if (create) {
                throw new UnsupportedOperationException("internal request: no sessions");
            }
            return null;
        }

        @Override
        public String getRequestedSessionId() {
            return null;
        }
    }

    /** What the servlet answered: status, headers and body. */
    static final class Response extends HttpServletResponseWrapper {

        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        private int status = SC_OK;
        private String contentType;
        private String characterEncoding = StandardCharsets.UTF_8.name();
        private PrintWriter writer;
        private Locale locale = Locale.ROOT;

        private Response() {
            super(unsupported(HttpServletResponse.class));
        }

        int status() {
            return status;
        }

        byte[] body() {
            if (writer != null) {
                writer.flush();
            }
            return body.toByteArray();
        }

        @Override
        public void setStatus(int status) {
            this.status = status;
        }

        @Override
        public int getStatus() {
            return status;
        }

        @Override
        public void sendError(int status) {
            this.status = status;
        }

        @Override
        public void sendError(int status, String message) {
            this.status = status;
        }

        @Override
        public void setHeader(String name, String value) {
            headers.put(name, new ArrayList<>(List.of(value)));
        }

        @Override
        public void addHeader(String name, String value) {
            headers.computeIfAbsent(name, key -> new ArrayList<>()).add(value);
        }

        @Override
        public void setIntHeader(String name, int value) {
            setHeader(name, Integer.toString(value));
        }

        @Override
        public void addIntHeader(String name, int value) {
            addHeader(name, Integer.toString(value));
        }

        @Override
        public void setDateHeader(String name, long date) {
            setHeader(name, Long.toString(date));
        }

        @Override
        public void addDateHeader(String name, long date) {
            addHeader(name, Long.toString(date));
        }

        @Override
        public boolean containsHeader(String name) {
            return headers.containsKey(name);
        }

        @Override
        public String getHeader(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        @Override
        public Collection<String> getHeaders(String name) {
            return List.copyOf(headers.getOrDefault(name, List.of()));
        }

        @Override
        public Collection<String> getHeaderNames() {
            return List.copyOf(headers.keySet());
        }

        @Override
        public void setContentType(String type) {
            this.contentType = type;
        }

        @Override
        public String getContentType() {
            return contentType;
        }

        @Override
        public void setCharacterEncoding(String encoding) {
            this.characterEncoding = encoding;
        }

        @Override
        public String getCharacterEncoding() {
            return characterEncoding;
        }

        @Override
        public void setContentLength(int length) {
            // the captured body has its own length
        }

        @Override
        public void setContentLengthLong(long length) {
            // the captured body has its own length
        }

        @Override
        public ServletOutputStream getOutputStream() {
            return new ServletOutputStream() {
                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setWriteListener(WriteListener listener) {
                    throw new UnsupportedOperationException("internal response: no asynchronous writes");
                }

                @Override
                public void write(int b) {
                    body.write(b);
                }

                @Override
                public void write(byte[] bytes, int offset, int length) {
                    body.write(bytes, offset, length);
                }
            };
        }

        @Override
        public PrintWriter getWriter() {
            if (writer == null) {
                writer = new PrintWriter(
                        new OutputStreamWriter(body, java.nio.charset.Charset.forName(characterEncoding)));
            }
            return writer;
        }

        @Override
        public void flushBuffer() {
            if (writer != null) {
                writer.flush();
            }
        }

        @Override
        public boolean isCommitted() {
            return false;
        }

        @Override
        public void reset() {
            resetBuffer();
            headers.clear();
            status = SC_OK;
        }

        @Override
        public void resetBuffer() {
            if (writer != null) {
                writer.flush();
            }
            body.reset();
        }

        @Override
        public void setBufferSize(int size) {
            // everything is kept
        }

        @Override
        public int getBufferSize() {
            return Integer.MAX_VALUE;
        }

        @Override
        public void setLocale(Locale locale) {
            this.locale = locale;
        }

        @Override
        public Locale getLocale() {
            return locale;
        }
    }
}
