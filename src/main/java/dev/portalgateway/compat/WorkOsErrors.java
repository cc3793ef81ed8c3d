package dev.portalgateway.compat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import dev.portalgateway.system.Problems;
import dev.portalgateway.workos.UpstreamProblem;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Renders failures the way WorkOS does, so an SDK raises the exception it would raise
 * against WorkOS: {@code {"message", "code", "errors"}} as {@code application/json}
 * ({@code errors} on 400 and 422 only), with the statuses WorkOS uses (400, 401, 403,
 * 404, 422, 429, 5xx). The {@code code} is the gateway's stable problem code, except for
 * 429, which WorkOS calls {@code rate_limit_exceeded}. The problem is resolved by
 * {@link Problems}, so audit lines and logs are the same as on {@code /v1}.
 */
class WorkOsErrors {

	/** The statuses WorkOS answers with; 405 becomes 404 and other 4xx 400. */
	private static final Set<Integer> WORKOS_STATUSES = Set.of(400, 401, 403, 404, 422, 429);

	private final Problems problems;

	WorkOsErrors(Problems problems) {
		this.problems = problems;
	}

	/** A filter rendering any failure of the handlers behind it as a WorkOS error. */
	Mono<ServerResponse> renderFailures(ServerRequest request, HandlerFunction<ServerResponse> next) {
		return Mono.defer(() -> next.handle(request)).onErrorResume((failure) -> render(request, failure));
	}

	/** A handler answering as WorkOS does for a method a path does not serve. */
	HandlerFunction<ServerResponse> methodNotAllowed() {
		return (request) -> render(request,
				new GatewayProblem(ProblemCode.METHOD_NOT_ALLOWED, "This method is not allowed on this path."));
	}

	private Mono<ServerResponse> render(ServerRequest request, Throwable failure) {
		GatewayProblem problem = this.problems.resolve(request.exchange(), failure);
		Map<String, Object> body = new LinkedHashMap<>();
		String detail = problem.getBody().getDetail();
		body.put("message", (detail != null) ? detail : problem.code().title());
		body.put("code", (problem.getStatusCode().value() == 429) ? "rate_limit_exceeded" : problem.code().code());
		int status = status(problem);
		// errors only where WorkOS sends them (400, 422): the Node SDK turns any other
		// status whose body has both code and errors into a BadRequestException with
		// status 400, so a 403 would reach Node callers as a "bad request".
		if (!problem.errors().isEmpty() && (status == 400 || status == 422)) {
			List<Map<String, String>> errors = new ArrayList<>();
			problem.errors()
				.forEach((error) -> errors
					.add(Map.of("field", error.field(), "code", problem.code().code(), "message", error.message())));
			body.put("errors", errors);
		}
		return ServerResponse.status(status)
			.headers((headers) -> copyHeaders(problem.getHeaders(), headers))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body);
	}

	private static int status(GatewayProblem problem) {
		// WorkOS's own 400 or 422 goes back as it was, not as the gateway's 422.
		if (problem instanceof UpstreamProblem upstream && problem.code() == ProblemCode.UPSTREAM_REJECTED) {
			int status = upstream.upstreamStatus().orElse(422);
			return (status == 400) ? 400 : 422;
		}
		int status = problem.getStatusCode().value();
		if (status == 405) {
			// WorkOS knows a route only with its method: anything else is not found.
			return 404;
		}
		return (status < 500 && !WORKOS_STATUSES.contains(status)) ? 400 : status;
	}

	private static void copyHeaders(HttpHeaders from, HttpHeaders to) {
		// Retry-After, WWW-Authenticate, RateLimit-*: what the caller needs, never a body
		// type.
		from.forEach((name, values) -> {
			if (!HttpHeaders.CONTENT_TYPE.equalsIgnoreCase(name)) {
				to.put(name, values);
			}
		});
	}

}
