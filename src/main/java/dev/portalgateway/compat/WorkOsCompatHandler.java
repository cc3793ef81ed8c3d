package dev.portalgateway.compat;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.portalgateway.portallink.PortalLinks;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.GatewayProblem.FieldError;
import dev.portalgateway.system.JsonAnswers;
import dev.portalgateway.system.ProblemCode;
import dev.portalgateway.workos.WorkOsApi;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * {@code POST /portal/generate_link} as WorkOS answers it: {@code 201 {"link": "…"}}.
 * Everything else (validation, the caller's policy, quotas, cool-down, retries, audit,
 * metrics) is the shared {@link PortalLinks} path.
 */
class WorkOsCompatHandler {

	/** Printable ASCII without spaces, as keys from the SDKs (UUIDs) are. */
	private static final Pattern KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");

	private final PortalLinks links;

	private final CompatProperties properties;

	private final JsonMapper mapper;

	WorkOsCompatHandler(PortalLinks links, CompatProperties properties, JsonMapper mapper) {
		this.links = links;
		this.properties = properties;
		this.mapper = mapper;
	}

	Mono<ServerResponse> generateLink(ServerRequest request) {
		return Mono
			.defer(() -> this.links.issue(request, PortalLinks.Format.WORKOS, idempotencyKey(request),
					this.properties.retryDeadline()))
			.flatMap((issued) -> JsonAnswers.noStore(HttpStatus.CREATED, JsonAnswers.NO_HEADERS,
					this.mapper.writeValueAsBytes(Map.of("link", issued.link().link()))));
	}

	/**
	 * The SDK's {@code Idempotency-Key}, forwarded to WorkOS and reused on every retry;
	 * null when it sent none (the gateway then makes one).
	 */
	private static @Nullable String idempotencyKey(ServerRequest request) {
		List<String> keys = request.headers().header(WorkOsApi.IDEMPOTENCY_KEY);
		if (keys.isEmpty()) {
			return null;
		}
		if (keys.size() > 1 || !KEY.matcher(keys.get(0)).matches()) {
			throw new GatewayProblem(ProblemCode.INVALID_REQUEST, "Invalid Idempotency-Key header.")
				.withErrors(List.of(new FieldError(WorkOsApi.IDEMPOTENCY_KEY,
						"must be one value of 1-255 printable ASCII characters")));
		}
		return keys.get(0);
	}

}
