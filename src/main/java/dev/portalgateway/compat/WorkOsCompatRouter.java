package dev.portalgateway.compat;

import dev.portalgateway.caller.AuditLog;
import dev.portalgateway.caller.CallerAuthentication;
import dev.portalgateway.portallink.PortalLinks;
import dev.portalgateway.workos.IconSource;
import dev.portalgateway.workos.WorkOsApi;
import dev.portalgateway.providericon.ProviderIconHandler;
import dev.portalgateway.system.Problems;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Routes WorkOS's paths (under {@code gateway.compat.path-prefix}) on the callers' port,
 * unless {@code gateway.compat.enabled=false}. Same filters as {@code /v1}, in the same
 * order; only the error format differs.
 */
@Configuration(proxyBeanMethods = false)
class WorkOsCompatRouter {

	@Bean
	@Nullable RouterFunction<ServerResponse> workOsCompatRoutes(PortalLinks links, ProviderIconHandler icons,
			CompatProperties properties, IconSource iconSource, AuditLog audit, CallerAuthentication authentication,
			Problems problems, JsonMapper mapper) {
		if (!properties.enabled()) {
			// No routes (a null bean is none), decided here and not by a condition: the
			// image starts the AOT-processed context, where conditions were fixed at
			// build time.
			return null;
		}
		WorkOsErrors errors = new WorkOsErrors(problems);
		WorkOsCompatHandler handler = new WorkOsCompatHandler(links, properties, mapper);
		String generateLink = properties.pathPrefix() + WorkOsApi.GENERATE_LINK_PATH;
		String iconList = properties.pathPrefix() + iconSource.path();
		RouterFunction<ServerResponse> linkRoutes = RouterFunctions.route()
			.POST(generateLink, handler::generateLink)
			.route(RequestPredicates.path(generateLink), errors.methodNotAllowed())
			.filter(audit)
			.filter(errors::renderFailures)
			.filter(authentication)
			.build();
		RouterFunction<ServerResponse> iconRoutes = RouterFunctions.route()
			.GET(iconList, icons::list)
			.route(RequestPredicates.path(iconList), errors.methodNotAllowed())
			.filter(errors::renderFailures)
			.filter(authentication)
			.build();
		return linkRoutes.and(iconRoutes);
	}

}
