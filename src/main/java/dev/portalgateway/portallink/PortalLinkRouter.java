package dev.portalgateway.portallink;

import dev.portalgateway.caller.AuditLog;
import dev.portalgateway.caller.CallerAuthentication;
import dev.portalgateway.system.Problems;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Routes {@code /v1/portal-links}. Filters run in the order written: the audit line sees
 * the final answer, every failure becomes a problem, and only authenticated callers get
 * further.
 */
@Configuration(proxyBeanMethods = false)
class PortalLinkRouter {

	static final String PATH = "/v1/portal-links";

	@Bean
	RouterFunction<ServerResponse> portalLinkRoutes(PortalLinkHandler handler, AuditLog audit,
			CallerAuthentication authentication, Problems problems) {
		return RouterFunctions.route()
			.POST(PATH, handler::create)
			.route(RequestPredicates.path(PATH), problems.methodNotAllowed(HttpMethod.POST))
			.filter(audit)
			.filter(problems::renderFailures)
			.filter(authentication)
			.build();
	}

}
