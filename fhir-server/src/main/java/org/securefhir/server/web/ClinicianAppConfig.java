package org.securefhir.server.web;

import java.io.IOException;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.Resource;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.resource.PathResourceResolver;

/**
 * Serves the clinician app (module {@code clinician-app}, built into {@code classpath:/clinician-app/})
 * at {@code /app/}: its hashed assets as they are, every other path under {@code /app/} as the app's
 * {@code index.html} (the app routes in the browser). Its Content-Security-Policy and
 * {@code Cache-Control: no-store} are set by {@link SecurityHeadersFilter}, like every answer's. A server built with {@code -Dskip.app} has no app: {@code /app/} is
 * then a 404.
 */
@Configuration(proxyBeanMethods = false)
public class ClinicianAppConfig implements WebMvcConfigurer {

    static final String PATH = "/app/";
    private static final String LOCATION = "classpath:/clinician-app/";

    @Override
    public void addViewControllers(ViewControllerRegistry registry) {
        registry.addRedirectViewController("/app", PATH);
        // the resource handler answers no empty path: the app's root is its index.html
        registry.addViewController(PATH).setViewName("forward:" + PATH + "index.html");
    }

    @Override
    public void addResourceHandlers(ResourceHandlerRegistry registry) {
        registry.addResourceHandler(PATH + "**")
                .addResourceLocations(LOCATION)
                .resourceChain(true)
                .addResolver(new AppRoutes());
    }

    /** A file of the app, or {@code index.html} for a route of the app (a path without a file extension). */
    private static final class AppRoutes extends PathResourceResolver {

        @Override
        protected Resource getResource(String resourcePath, Resource location) throws IOException {
            if (resourcePath.endsWith("/")) {
                return super.getResource("index.html", location);
            }
            Resource file = super.getResource(resourcePath, location);
            if (file != null) {
                return file;
            }
            String last = resourcePath.substring(resourcePath.lastIndexOf('/') + 1);
            return last.contains(".") ? null : super.getResource("index.html", location);
        }
    }
}
