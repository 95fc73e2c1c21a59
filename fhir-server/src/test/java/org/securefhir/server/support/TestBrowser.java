package org.securefhir.server.support;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;

/**
 * A minimal browser for the login tests: real HTTPS, a cookie jar, no automatic redirects (each
 * hop is asserted), and form-field extraction from the returned HTML.
 */
public final class TestBrowser {

    private final HttpClient http;
    private final String origin;

    public TestBrowser(String origin, SSLContext sslContext) {
        this.origin = origin;
        this.http = HttpClient.newBuilder()
                .sslContext(sslContext)
                .cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /** A response: status, Location, body. */
    public record Page(int status, String location, String body, HttpResponse<String> raw) {

        /** The value of the first input named {@code name}. */
        public String field(String name) {
            List<String> values = fields(name);
            if (values.isEmpty()) {
                throw new AssertionError("No field " + name + " in page: " + body);
            }
            return values.get(0);
        }

        public List<String> fields(String name) {
            List<String> values = new ArrayList<>();
            Matcher inputs = Pattern.compile("<input[^>]*>").matcher(body);
            while (inputs.find()) {
                String input = inputs.group();
                if (input.contains("name=\"" + name + "\"")) {
                    Matcher value = Pattern.compile("value=\"([^\"]*)\"").matcher(input);
                    values.add(value.find() ? unescape(value.group(1)) : "");
                }
            }
            return values;
        }

        public String elementText(String id) {
            Matcher matcher = Pattern.compile("id=\"" + id + "\"[^>]*>([^<]*)<").matcher(body);
            if (!matcher.find()) {
                throw new AssertionError("No element " + id + " in page: " + body);
            }
            return unescape(matcher.group(1));
        }

        public Map<String, String> locationQuery() {
            String query = URI.create(location).getRawQuery();
            Map<String, String> parameters = new LinkedHashMap<>();
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                parameters.put(
                        java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
            return parameters;
        }

        private static String unescape(String html) {
            return html.replace("&amp;", "&")
                    .replace("&quot;", "\"")
                    .replace("&#39;", "'")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">");
        }
    }

    public Page get(String pathOrUrl) {
        return send(HttpRequest.newBuilder(uri(pathOrUrl))
                .header("Accept", "text/html")
                .GET());
    }

    public Page post(String pathOrUrl, List<Map.Entry<String, String>> form) {
        String body = form.stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(HttpRequest.newBuilder(uri(pathOrUrl))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "text/html")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A POST with extra headers (e.g. client authentication at the token endpoint), JSON expected. */
    public Page postForJson(String pathOrUrl, List<Map.Entry<String, String>> form, String... headers) {
        String body = form.stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(pathOrUrl))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    /** A GET for JSON in this browser's session. */
    public Page getJson(String pathOrUrl) {
        return send(HttpRequest.newBuilder(uri(pathOrUrl))
                .header("Accept", "application/json")
                .GET());
    }

    /** A POST of a JSON body in this browser's session (e.g. an API call with a CSRF header). */
    public Page postJson(String pathOrUrl, String json, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(pathOrUrl))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    /** A request of any method without a body, with extra headers, in this browser's session. */
    public Page send(String method, String pathOrUrl, String... headers) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri(pathOrUrl)).method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    private URI uri(String pathOrUrl) {
        return URI.create(pathOrUrl.startsWith("https://") ? pathOrUrl : origin + pathOrUrl);
    }

    private Page send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response =
                    http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            return new Page(
                    response.statusCode(),
                    response.headers().firstValue("Location").orElse(null),
                    response.body(),
                    response);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
