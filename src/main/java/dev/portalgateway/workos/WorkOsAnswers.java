package dev.portalgateway.workos;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Predicate;

import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import dev.portalgateway.system.RequestIds;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.client.ClientResponse;

/**
 * WorkOS's wire format, read: each answer becomes the value asked for or an
 * {@link UpstreamProblem} (status to problem code, retryable or not, {@code Retry-After}
 * capped, WorkOS's request id kept when it has a safe shape), logged once with the
 * caller's request id.
 */
final class WorkOsAnswers {

	private static final Log logger = LogFactory.getLog(WorkOsClient.class);

	static final String UPSTREAM_REQUEST_ID = "X-Request-ID";

	/** Used when WorkOS answers 429 without a (readable) {@code Retry-After}. */
	private static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

	private static final int MAX_UPSTREAM_MESSAGE = 300;

	private final Clock clock;

	private final Duration maxCooldown;

	private final ApiKey apiKey;

	WorkOsAnswers(Clock clock, Duration maxCooldown, ApiKey apiKey) {
		this.clock = clock;
		this.maxCooldown = maxCooldown;
		this.apiKey = apiKey;
	}

	/** A link, from {@code 201 {"link": "…"}}. */
	Mono<GeneratedLink> link(ClientResponse response, String requestId) {
		String upstreamRequestId = upstreamRequestId(response);
		if (!response.statusCode().is2xxSuccessful()) {
			return failed(response, upstreamRequestId, requestId);
		}
		return body(response, LinkBody.class, LinkBody::isUsable, upstreamRequestId, requestId)
			.map((body) -> new GeneratedLink(body.link(), this.clock.instant(), upstreamRequestId));
	}

	/**
	 * The icon list as the source sent it: a JSON array (its items are the icon catalog's
	 * to read). A 404 means our configuration names the wrong path.
	 */
	Mono<JsonNode> iconList(ClientResponse response, String path) {
		String upstreamRequestId = upstreamRequestId(response);
		if (response.statusCode().value() == 404) {
			// The path comes from the original request only: a 404 means our
			// configuration is wrong, not that there are no icons.
			logger.error("The icon source answered 404 for " + path
					+ ": check gateway.icons.base-url and gateway.icons.path");
			return response.releaseBody()
				.then(Mono.error(new UpstreamProblem(ProblemCode.ICON_SOURCE_NOT_FOUND,
						"The icon source answered 404; the operators need to check its configuration.", "404", false,
						null, null)));
		}
		if (!response.statusCode().is2xxSuccessful()) {
			return failed(response, upstreamRequestId, null);
		}
		return body(response, JsonNode.class, JsonNode::isArray, upstreamRequestId, null);
	}

	/**
	 * A success's body, or the problem for one that is missing, unreadable or unusable.
	 */
	private <T> Mono<T> body(ClientResponse response, Class<T> type, Predicate<T> usable,
			@Nullable String upstreamRequestId, @Nullable String requestId) {
		return response.bodyToMono(type)
			.onErrorMap((failure) -> !(failure instanceof GatewayProblem),
					(failure) -> unreadable(upstreamRequestId, requestId))
			.filter(usable)
			.switchIfEmpty(Mono.error(() -> unreadable(upstreamRequestId, requestId)));
	}

	/** WorkOS's id goes into logs and problem bodies: accepted only in a safe shape. */
	private static @Nullable String upstreamRequestId(ClientResponse response) {
		return RequestIds.wellFormedOrNull(response.headers().asHttpHeaders().getFirst(UPSTREAM_REQUEST_ID));
	}

	/** Reads an error answer and fails with the matching problem. */
	private <T> Mono<T> failed(ClientResponse response, @Nullable String upstreamRequestId,
			@Nullable String requestId) {
		int status = response.statusCode().value();
		return response.bodyToMono(ErrorBody.class)
			.onErrorResume((failure) -> Mono.empty())
			.defaultIfEmpty(ErrorBody.NONE)
			.map((body) -> problemFor(status, body, response.headers().asHttpHeaders(), upstreamRequestId, requestId))
			.flatMap(Mono::error);
	}

	private GatewayProblem problemFor(int status, ErrorBody body, HttpHeaders headers,
			@Nullable String upstreamRequestId, @Nullable String requestId) {
		String cause = Integer.toString(status);
		UpstreamProblem problem = switch (status) {
			case 404 -> new UpstreamProblem(ProblemCode.ORGANIZATION_NOT_FOUND,
					"WorkOS does not know this organization.", cause, false, null, null);
			case 400, 422 -> new UpstreamProblem(ProblemCode.UPSTREAM_REJECTED,
					"WorkOS rejected the request: " + body.safeMessage(MAX_UPSTREAM_MESSAGE), cause, false, null, null);
			case 401,
					403 ->
				new UpstreamProblem(ProblemCode.UPSTREAM_AUTH_FAILED,
						"WorkOS refused the gateway's credentials; the operators need to check the API key.", cause,
						false, null, null);
			case 429 -> new UpstreamProblem(ProblemCode.RATE_LIMITED, "WorkOS is rate limiting this gateway.", cause,
					true, retryAfter(headers.getFirst(HttpHeaders.RETRY_AFTER), requestId), null);
			case 502, 503, 504 -> new UpstreamProblem(ProblemCode.UPSTREAM_ERROR,
					"WorkOS answered with status " + status + ".", cause, true, null, null);
			default -> new UpstreamProblem(ProblemCode.UPSTREAM_ERROR, "WorkOS answered with status " + status + ".",
					cause, false, null, null);
		};
		if (problem.code() == ProblemCode.UPSTREAM_AUTH_FAILED) {
			RequestIds.inMdc(requestId,
					() -> logger.error("WorkOS answered " + status + " to API key " + this.apiKey
							+ ": the key is wrong, revoked or lacks Admin Portal access (upstream_request_id="
							+ upstreamRequestId + ")"));
		}
		else {
			RequestIds.inMdc(requestId, () -> logger
				.warn("WorkOS answered " + status + " (upstream_request_id=" + upstreamRequestId + ")"));
		}
		problem.withUpstreamRequestId(upstreamRequestId);
		return problem;
	}

	/**
	 * WorkOS's wait, at most {@code gateway.retry.max-cooldown}: a {@code Retry-After} of
	 * days (a bug or a misconfigured proxy) must not stop the gateway for days, nor be
	 * passed on to callers.
	 */
	private Duration retryAfter(@Nullable String header, @Nullable String requestId) {
		Duration retryAfter = RetryAfter.parse(header, this.clock, DEFAULT_RETRY_AFTER);
		if (retryAfter.compareTo(this.maxCooldown) <= 0) {
			return retryAfter;
		}
		RequestIds.inMdc(requestId,
				() -> logger.warn("WorkOS sent Retry-After: " + RetryAfter.printable(header) + " ("
						+ retryAfter.toSeconds() + " s); waiting gateway.retry.max-cooldown ("
						+ this.maxCooldown.toSeconds() + " s) instead"));
		return this.maxCooldown;
	}

	private GatewayProblem unreadable(@Nullable String upstreamRequestId, @Nullable String requestId) {
		RequestIds.inMdc(requestId, () -> logger
			.warn("WorkOS answered success without a usable body (upstream_request_id=" + upstreamRequestId + ")"));
		return new UpstreamProblem(ProblemCode.UPSTREAM_ERROR, "WorkOS answered with an unreadable body.", "2xx", false,
				null, null)
			.withUpstreamRequestId(upstreamRequestId);
	}

	/** WorkOS's success body: {@code {"link": "https://setup.workos.com?token=…"}}. */
	record LinkBody(@Nullable String link) {

		boolean isUsable() {
			return this.link != null && (this.link.startsWith("https://") || this.link.startsWith("http://"));
		}

	}

	/**
	 * WorkOS's error body: {@code {"message": "…", "code": "…"}}; both may be missing.
	 */
	record ErrorBody(@Nullable String message, @Nullable String code) {

		static final ErrorBody NONE = new ErrorBody(null, null);

		String safeMessage(int maxLength) {
			if (this.message == null || this.message.isBlank()) {
				return "no reason given.";
			}
			String printable = this.message.replaceAll("\\p{Cntrl}", " ").strip();
			return (printable.length() > maxLength) ? printable.substring(0, maxLength) + "…" : printable;
		}

	}

}
