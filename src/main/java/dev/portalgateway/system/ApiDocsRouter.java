package dev.portalgateway.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Serves the {@code /v1} contract, {@code GET /v1/openapi.yaml}, without authentication:
 * it holds nothing secret and callers generate clients from it.
 */
@Configuration(proxyBeanMethods = false)
class ApiDocsRouter {

	static final String PATH = "/v1/openapi.yaml";

	static final String LOCATION = "openapi/portal-gateway.yaml";

	private static final MediaType YAML = MediaType.parseMediaType("application/yaml");

	@Bean
	RouterFunction<ServerResponse> apiDocsRoutes(Problems problems) {
		// Read once at startup (on the main thread), then served from memory.
		byte[] document = read();
		return RouterFunctions.route()
			.GET(PATH,
					(request) -> ServerResponse.ok()
						.contentType(YAML)
						.cacheControl(CacheControl.noCache())
						.bodyValue(document))
			.route(RequestPredicates.path(PATH), problems.methodNotAllowed(HttpMethod.GET))
			.build();
	}

	private static byte[] read() {
		try (InputStream in = new ClassPathResource(LOCATION).getInputStream()) {
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("The API document " + LOCATION + " is missing from the jar", ex);
		}
	}

}
