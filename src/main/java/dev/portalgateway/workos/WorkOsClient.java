package dev.portalgateway.workos;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.portalgateway.ratelimit.FairShare;
import dev.portalgateway.ratelimit.KeyCooldown;
import dev.portalgateway.ratelimit.Operation;
import dev.portalgateway.ratelimit.UpstreamQuotas;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import dev.portalgateway.system.RequestIds;
import dev.portalgateway.system.Uuids;
import dev.portalgateway.system.Causes;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.PrematureCloseException;
import tools.jackson.databind.JsonNode;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;

/**
 * The only client of the WorkOS API: generates Admin Portal links and turns every WorkOS
 * answer and transport fault into either a {@link GeneratedLink} or a
 * {@link GatewayProblem}.
 */
public class WorkOsClient {

	static final String GENERATE_LINK_PATH = "/portal/generate_link";

	static final String IDEMPOTENCY_KEY = "Idempotency-Key";

	static final String UPSTREAM_REQUEST_ID = "X-Request-ID";

	private static final Log logger = LogFactory.getLog(WorkOsClient.class);

	/** Used when WorkOS answers 429 without a (readable) {@code Retry-After}. */
	private static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

	private static final int MAX_UPSTREAM_MESSAGE = 300;

	private final WebClient webClient;

	private final WebClient iconClient;

	private final String iconPath;

	private final WorkOsProperties properties;

	private final Clock clock;

	private final Ticker ticker;

	private final UpstreamQuotas quotas;

	private final KeyCooldown cooldown;

	private final UpstreamRetry retry;

	private final MeterRegistry meters;

	private final IdempotencyKeys idempotencyKeys;

	WorkOsClient(WebClient webClient, WebClient iconClient, String iconPath, WorkOsProperties properties, Clock clock,
			Ticker ticker, UpstreamQuotas quotas, KeyCooldown cooldown, UpstreamRetry retry, MeterRegistry meters) {
		this.webClient = webClient;
		this.iconClient = iconClient;
		this.iconPath = iconPath;
		this.properties = properties;
		this.clock = clock;
		this.ticker = ticker;
		this.quotas = quotas;
		this.cooldown = cooldown;
		this.retry = retry;
		this.meters = meters;
		this.idempotencyKeys = new IdempotencyKeys(properties.apiKey());
	}

	/**
	 * Asks WorkOS for an Admin Portal link.
	 * @param command what to ask for, already validated and authorized
	 * @param requestId the caller's request id, passed on as {@code X-Request-Id}
	 * @return the link, or an error that is always a {@link GatewayProblem}
	 */
	public Mono<GeneratedLink> generateLink(GenerateLinkCommand command, String requestId) {
		return link(command, requestId, UpstreamQuotas.GATEWAY, Uuids.random(), this.retry.deadline());
	}

	/**
	 * Asks WorkOS for an Admin Portal link, with the caller's own idempotency key and
	 * retry budget.
	 * @param command what to ask for, already validated and authorized
	 * @param requestId the caller's request id, passed on as {@code X-Request-Id}
	 * @param caller the caller: its idempotency keys are its own, and its links come from
	 * its fair share of the budget
	 * @param idempotencyKey the caller's {@code Idempotency-Key} (already checked for
	 * shape), or null to make one
	 * @param deadline how long the gateway may spend on this request, retries included
	 * @return the link, or an error that is always a {@link GatewayProblem}
	 */
	public Mono<GeneratedLink> generateLink(GenerateLinkCommand command, String requestId, FairShare.Claimant caller,
			@Nullable String idempotencyKey, Duration deadline) {
		// One key per caller request, the same on every retry (WorkOS sees one request);
		// a caller's own key is scoped to the caller (IdempotencyKeys).
		String key = (idempotencyKey != null) ? this.idempotencyKeys.scoped(caller.name(), idempotencyKey)
				: Uuids.random();
		return link(command, requestId, caller, key, deadline);
	}

	/** One link request: every attempt sends the same idempotency key. */
	private Mono<GeneratedLink> link(GenerateLinkCommand command, String requestId, FairShare.Claimant caller,
			String idempotencyKey, Duration deadline) {
		return call(Operation.PORTAL_LINKS, caller, deadline, requestId,
				() -> this.webClient.post()
					.uri(GENERATE_LINK_PATH)
					.header(IDEMPOTENCY_KEY, idempotencyKey)
					.header(RequestIds.HEADER, requestId)
					.contentType(MediaType.APPLICATION_JSON)
					.bodyValue(GenerateLinkBody.of(command))
					.exchangeToMono((response) -> readLink(response, requestId)));
	}

	/**
	 * Fetches the SSO provider icon list from the icon source.
	 * @return the icons, or an error that is always a {@link GatewayProblem}
	 */
	public Mono<List<ProviderIcon>> providerIcons() {
		return call(Operation.PROVIDER_ICONS, UpstreamQuotas.GATEWAY, this.retry.deadline(), null,
				() -> this.iconClient.get().uri(this.iconPath).exchangeToMono(this::readIcons));
	}

	/**
	 * The resilience chain every WorkOS call goes through, in the order it runs: wait out
	 * the key's cool-down (or give up with 429), take a permit from the operation's quota
	 * (or give up with 429), make the call within the response timeout and what is left
	 * of the deadline, and on a retryable failure go round again (cool-down, permit and
	 * all) as {@link UpstreamRetry} decides. Whatever an attempt takes (the probe after a
	 * cool-down) is given back when that attempt ends, on every path. A failure that is
	 * not WorkOS's or the network's is a bug of ours: it is not retried and reaches the
	 * caller as a 500.
	 */
	private <T> Mono<T> call(Operation operation, FairShare.Claimant caller, Duration budget,
			@Nullable String requestId, Supplier<Mono<T>> exchange) {
		boolean keyed = usesKey(operation);
		return Mono.defer(() -> {
			long deadline = this.ticker.read() + budget.toNanos();
			Mono<T> attempt = Mono
				.defer(() -> timed(operation, exchange.get()
					.timeout(min(this.properties.responseTimeout(), left(deadline)))
					.onErrorMap(WorkOsClient::isTransportFailure, (failure) -> transportProblem(failure, requestId))))
				.onErrorResume((failure) -> keyed && isThrottled(failure),
						(throttled) -> coolDown((UpstreamProblem) throttled, deadline).then(Mono.error(throttled)))
				.transformDeferred(this.quotas.guard(operation, deadline, caller));
			Mono<T> guarded = keyed ? Mono.defer(() -> this.cooldown.guard(left(deadline), operation, attempt))
					: attempt;
			return guarded.retryWhen(this.retry.until(deadline, operation));
		});
	}

	/**
	 * Whether calls of this operation go to WorkOS with the key, so that WorkOS's answers
	 * tell about the key: not so for an icon list from a CDN.
	 */
	private boolean usesKey(Operation operation) {
		return operation == Operation.PORTAL_LINKS || this.iconClient == this.webClient;
	}

	private static Duration min(Duration one, Duration other) {
		return (one.compareTo(other) <= 0) ? one : other;
	}

	private Duration left(long deadline) {
		return Duration.ofNanos(Math.max(1_000_000, deadline - this.ticker.read()));
	}

	/**
	 * Records {@code workos.client.requests}, tagged by status and outcome, per exchange.
	 */
	private <T> Mono<T> timed(Operation operation, Mono<T> exchange) {
		return Mono.defer(() -> {
			Timer.Sample sample = Timer.start(this.meters);
			return exchange.doOnSuccess((value) -> stop(sample, operation, "2xx"))
				.doOnError((failure) -> stop(sample, operation,
						(failure instanceof UpstreamProblem problem) ? problem.cause() : "error"))
				.doOnCancel(() -> stop(sample, operation, "cancelled"));
		});
	}

	/**
	 * A failure of the network or of WorkOS's answer in time, as opposed to a bug of
	 * ours.
	 */
	private static boolean isTransportFailure(Throwable failure) {
		return !(failure instanceof GatewayProblem) && (failure instanceof WebClientRequestException
				|| Causes.hasCause(failure, IOException.class, TimeoutException.class, ReadTimeoutException.class));
	}

	private void stop(Timer.Sample sample, Operation operation, String status) {
		String outcome = switch (status) {
			case "2xx" -> "success";
			case "429" -> "rate_limited";
			case "io_error", "timeout", "cancelled", "error" -> status;
			default -> status.startsWith("4") ? "client_error" : "server_error";
		};
		sample.stop(Timer.builder("workos.client.requests")
			.description("Calls to WorkOS, one per attempt")
			.tag("operation", operation.tag())
			.tag("status", status)
			.tag("outcome", outcome)
			.register(this.meters));
	}

	private Mono<GeneratedLink> readLink(ClientResponse response, String requestId) {
		answered(response);
		// WorkOS's id goes into logs and problem bodies: accept it only in a safe shape.
		String upstreamRequestId = RequestIds
			.wellFormedOrNull(response.headers().asHttpHeaders().getFirst(UPSTREAM_REQUEST_ID));
		if (response.statusCode().is2xxSuccessful()) {
			return response.bodyToMono(LinkBody.class)
				.onErrorMap((failure) -> !(failure instanceof GatewayProblem),
						(failure) -> unreadable(upstreamRequestId, requestId))
				.filter(LinkBody::isUsable)
				.switchIfEmpty(Mono.error(() -> unreadable(upstreamRequestId, requestId)))
				.map((body) -> new GeneratedLink(body.link(), this.clock.instant(), upstreamRequestId));
		}
		return failed(response, upstreamRequestId, requestId);
	}

	private Mono<List<ProviderIcon>> readIcons(ClientResponse response) {
		boolean keyed = usesKey(Operation.PROVIDER_ICONS);
		if (keyed) {
			answered(response);
		}
		String upstreamRequestId = RequestIds
			.wellFormedOrNull(response.headers().asHttpHeaders().getFirst(UPSTREAM_REQUEST_ID));
		if (response.statusCode().value() == 404) {
			// The path comes from the original request only: a 404 means our
			// configuration
			// is wrong, not that there are no icons.
			logger.error("The icon source answered 404 for " + this.iconPath
					+ ": check gateway.icons.base-url and gateway.icons.path");
			return response.releaseBody()
				.then(Mono.error(new UpstreamProblem(ProblemCode.ICON_SOURCE_NOT_FOUND,
						"The icon source answered 404; the operators need to check its configuration.", "404", false,
						null, null)));
		}
		if (!response.statusCode().is2xxSuccessful()) {
			return failed(response, upstreamRequestId, null);
		}
		return response.bodyToMono(JsonNode.class)
			.onErrorMap((failure) -> !(failure instanceof GatewayProblem),
					(failure) -> unreadable(upstreamRequestId, null))
			.switchIfEmpty(Mono.error(() -> unreadable(upstreamRequestId, null)))
			.flatMap((body) -> body.isArray() ? Mono.just(icons(body))
					: Mono.error(unreadable(upstreamRequestId, null)));
	}

	/**
	 * The usable items of an icon list: each needs a provider and an https URL, under
	 * {@code icon_url} or (as some sources spell it) {@code icon}. Others are skipped.
	 */
	private static List<ProviderIcon> icons(JsonNode list) {
		List<ProviderIcon> icons = new ArrayList<>(list.size());
		int skipped = 0;
		for (JsonNode item : list) {
			JsonNode provider = item.get("provider");
			JsonNode url = item.has("icon_url") ? item.get("icon_url") : item.get("icon");
			if (provider != null && provider.isString() && !provider.stringValue().isBlank() && url != null
					&& url.isString() && url.stringValue().startsWith("https://")) {
				icons.add(new ProviderIcon(provider.stringValue(), url.stringValue()));
			}
			else {
				skipped++;
			}
		}
		if (skipped > 0) {
			logger.warn("Skipped " + skipped + " provider icon(s) without a provider or an https URL");
		}
		return List.copyOf(icons);
	}

	/** Reads an error answer and fails with the matching problem. */
	private <T> Mono<T> failed(ClientResponse response, @Nullable String upstreamRequestId,
			@Nullable String requestId) {
		HttpStatusCode status = response.statusCode();
		return response.bodyToMono(ErrorBody.class)
			.onErrorResume((failure) -> Mono.empty())
			.defaultIfEmpty(ErrorBody.NONE)
			.map((body) -> problemFor(status, body, response.headers().asHttpHeaders(), upstreamRequestId, requestId))
			.flatMap(Mono::error);
	}

	private GatewayProblem problemFor(HttpStatusCode status, ErrorBody body, HttpHeaders headers,
			@Nullable String upstreamRequestId, @Nullable String requestId) {
		int code = status.value();
		String cause = Integer.toString(code);
		UpstreamProblem problem = switch (code) {
			case 404 -> new UpstreamProblem(ProblemCode.ORGANIZATION_NOT_FOUND,
					"WorkOS does not know this organization.", cause, false, null, null);
			case 400, 422 -> new UpstreamProblem(ProblemCode.UPSTREAM_REJECTED,
					"WorkOS rejected the request: " + body.safeMessage(MAX_UPSTREAM_MESSAGE), cause, false, null, null);
			case 401,
					403 ->
				new UpstreamProblem(ProblemCode.UPSTREAM_AUTH_FAILED,
						"WorkOS refused the gateway's credentials; the operators need to check the API key.", cause,
						false, null, null);
			case 429 -> {
				Duration retryAfter = capped(
						RetryAfter.parse(headers.getFirst(HttpHeaders.RETRY_AFTER), this.clock, DEFAULT_RETRY_AFTER),
						headers.getFirst(HttpHeaders.RETRY_AFTER), requestId);
				yield new UpstreamProblem(ProblemCode.RATE_LIMITED, "WorkOS is rate limiting this gateway.", cause,
						true, retryAfter, null);
			}
			case 502, 503, 504 -> new UpstreamProblem(ProblemCode.UPSTREAM_ERROR,
					"WorkOS answered with status " + code + ".", cause, true, null, null);
			default -> new UpstreamProblem(ProblemCode.UPSTREAM_ERROR, "WorkOS answered with status " + code + ".",
					cause, false, null, null);
		};
		if (problem.code() == ProblemCode.UPSTREAM_AUTH_FAILED) {
			RequestIds.inMdc(requestId,
					() -> logger.error("WorkOS answered " + code + " to API key " + this.properties.apiKey()
							+ ": the key is wrong, revoked or lacks Admin Portal access (upstream_request_id="
							+ upstreamRequestId + ")"));
		}
		else {
			RequestIds.inMdc(requestId,
					() -> logger.warn("WorkOS answered " + code + " (upstream_request_id=" + upstreamRequestId + ")"));
		}
		problem.withUpstreamRequestId(upstreamRequestId);
		return problem;
	}

	/**
	 * WorkOS's wait, at most {@code gateway.retry.max-cooldown}: a {@code Retry-After} of
	 * days (a bug or a misconfigured proxy) must not stop the gateway for days, nor be
	 * passed on to callers.
	 */
	private Duration capped(Duration retryAfter, @Nullable String header, @Nullable String requestId) {
		Duration max = this.retry.maxCooldown();
		if (retryAfter.compareTo(max) <= 0) {
			return retryAfter;
		}
		RequestIds.inMdc(requestId,
				() -> logger
					.warn("WorkOS sent Retry-After: " + RetryAfter.printable(header) + " (" + retryAfter.toSeconds()
							+ " s); waiting gateway.retry.max-cooldown (" + max.toSeconds() + " s) instead"));
		return max;
	}

	/** Any answer but 429 ends the probing that follows a cool-down. */
	private void answered(ClientResponse response) {
		if (response.statusCode().value() != 429) {
			this.cooldown.keyWorks();
		}
	}

	private static boolean isThrottled(Throwable failure) {
		return failure instanceof UpstreamProblem problem && problem.code() == ProblemCode.RATE_LIMITED
				&& problem.retryAfter() != null;
	}

	/**
	 * A WorkOS 429 holds the key here and on every replica (through Redis) before anyone
	 * is answered, within what is left of the request's deadline.
	 */
	private Mono<Void> coolDown(UpstreamProblem throttled, long deadline) {
		Duration retryAfter = java.util.Objects.requireNonNull(throttled.retryAfter());
		return this.cooldown.coolDownEverywhere(retryAfter, left(deadline));
	}

	private GatewayProblem unreadable(@Nullable String upstreamRequestId, @Nullable String requestId) {
		RequestIds.inMdc(requestId, () -> logger
			.warn("WorkOS answered success without a usable body (upstream_request_id=" + upstreamRequestId + ")"));
		return new UpstreamProblem(ProblemCode.UPSTREAM_ERROR, "WorkOS answered with an unreadable body.", "2xx", false,
				null, null)
			.withUpstreamRequestId(upstreamRequestId);
	}

	private GatewayProblem transportProblem(Throwable failure, @Nullable String requestId) {
		return RequestIds.inMdc(requestId, () -> transportProblem(failure));
	}

	private GatewayProblem transportProblem(Throwable failure) {
		if (Causes.hasCause(failure, ReadTimeoutException.class, TimeoutException.class)) {
			logger.warn("WorkOS did not answer in time");
			return new UpstreamProblem(ProblemCode.UPSTREAM_TIMEOUT, "WorkOS did not answer in time.", "timeout", true,
					null, failure);
		}
		if (Causes.hasCause(failure, ConnectException.class, ConnectTimeoutException.class, UnknownHostException.class,
				NoRouteToHostException.class)) {
			logger.warn("WorkOS could not be reached: " + failure.getClass().getSimpleName());
			return new UpstreamProblem(ProblemCode.UPSTREAM_UNAVAILABLE, "WorkOS could not be reached.", "io_error",
					true, null, failure);
		}
		if (Causes.hasCause(failure, PrematureCloseException.class)) {
			logger.warn("WorkOS closed the connection before answering");
			return new UpstreamProblem(ProblemCode.UPSTREAM_ERROR, "WorkOS closed the connection before answering.",
					"io_error", true, null, failure);
		}
		logger.warn("Calling WorkOS failed", failure);
		return new UpstreamProblem(ProblemCode.UPSTREAM_UNAVAILABLE, "WorkOS could not be reached.", "io_error", true,
				null, failure);
	}

	/**
	 * The body of {@code POST /portal/generate_link}, snake_case and without null fields.
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record GenerateLinkBody(String organization, @Nullable String intent,
			@JsonProperty("return_url") @Nullable String returnUrl,
			@JsonProperty("success_url") @Nullable String successUrl,
			@JsonProperty("intent_options") @Nullable JsonNode intentOptions,
			@JsonProperty("it_contact_emails") @Nullable List<String> itContactEmails) {

		static GenerateLinkBody of(GenerateLinkCommand command) {
			return new GenerateLinkBody(command.organization(),
					(command.intent() != null) ? command.intent().value() : null,
					(command.returnUrl() != null) ? command.returnUrl().toString() : null,
					(command.successUrl() != null) ? command.successUrl().toString() : null, command.intentOptions(),
					command.itContactEmails());
		}

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
