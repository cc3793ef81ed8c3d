package dev.portalgateway.providericon;

import java.util.concurrent.ForkJoinPool;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.portalgateway.caller.CallerAuthentication;
import dev.portalgateway.system.Problems;
import dev.portalgateway.workos.IconSource;
import dev.portalgateway.workos.WorkOsClient;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Routes {@code /v1/provider-icons}: every failure becomes a problem, and any configured
 * caller may read icons.
 */
@Configuration(proxyBeanMethods = false)
class ProviderIconRouter {

	static final String PATH = "/v1/provider-icons";

	/** The icon source's part of {@code gateway.icons}, for the WorkOS client. */
	@Bean
	IconSource iconSource(IconProperties properties) {
		return properties.source();
	}

	@Bean
	IconCatalog iconCatalog(WorkOsClient workOs, IconProperties properties, Ticker ticker, JsonMapper mapper,
			MeterRegistry meters) {
		// Caffeine runs refreshes and maintenance on this pool, never on an event loop.
		return new IconCatalog(workOs, properties, ticker, ForkJoinPool.commonPool(), mapper, meters);
	}

	@Bean
	ProviderIconHandler providerIconHandler(IconCatalog catalog, JsonMapper mapper, IconProperties properties) {
		return new ProviderIconHandler(catalog, mapper, properties);
	}

	@Bean
	RouterFunction<ServerResponse> providerIconRoutes(ProviderIconHandler handler, CallerAuthentication authentication,
			Problems problems) {
		return RouterFunctions.route()
			.GET(PATH, handler::list)
			.GET(PATH + "/{provider}", handler::one)
			.route(RequestPredicates.path(PATH).or(RequestPredicates.path(PATH + "/{provider}")),
					problems.methodNotAllowed(HttpMethod.GET))
			.filter(problems::renderFailures)
			.filter(authentication)
			.build();
	}

}
