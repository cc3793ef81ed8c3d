package dev.portalgateway.workos;

import java.net.URI;
import java.time.Duration;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.portalgateway.ratelimit.FairShare;
import dev.portalgateway.ratelimit.KeyCooldown;
import dev.portalgateway.ratelimit.Operation;
import dev.portalgateway.ratelimit.UpstreamQuotas;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import dev.portalgateway.system.RequestIds;
import dev.portalgateway.system.Uuids;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The only client of the WorkOS API: generates Admin Portal links and fetches the
 * provider icon list, each call through one resilience chain ({@link #call}). What an
 * answer means is {@link WorkOsAnswers}'s, what a network fault means
 * {@link TransportProblems}', the timings {@link ClientMetrics}'.
 */
public class WorkOsClient {

	private final WebClient webClient;

	private final URI linkUri;

	private final WebClient iconClient;

	private final String iconPath;

	private final Duration responseTimeout;

	private final IdempotencyKeys idempotencyKeys;

	private final Ticker ticker;

	private final UpstreamQuotas quotas;

	private final KeyCooldown cooldown;

	private final UpstreamRetry retry;

	private final ClientMetrics metrics;

	private final WorkOsAnswers answers;

	WorkOsClient(WebClient webClient, URI linkUri, WebClient iconClient, String iconPath, WorkOsProperties properties,
			WorkOsAnswers answers, ClientMetrics metrics, Ticker ticker, UpstreamQuotas quotas, KeyCooldown cooldown,
			UpstreamRetry retry) {
		this.webClient = webClient;
		this.linkUri = linkUri;
		this.iconClient = iconClient;
		this.iconPath = iconPath;
		this.responseTimeout = properties.responseTimeout();
		this.idempotencyKeys = new IdempotencyKeys(properties.apiKey());
		this.answers = answers;
		this.metrics = metrics;
		this.ticker = ticker;
		this.quotas = quotas;
		this.cooldown = cooldown;
		this.retry = retry;
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
					.uri(this.linkUri)
					.header(WorkOsApi.IDEMPOTENCY_KEY, idempotencyKey)
					.header(RequestIds.HEADER, requestId)
					.contentType(MediaType.APPLICATION_JSON)
					.bodyValue(WorkOsApi.GenerateLinkBody.of(command))
					.exchangeToMono((response) -> this.answers.link(probed(response), requestId)));
	}

	/**
	 * Fetches the SSO provider icon list from the icon source.
	 * @return the list as the source sent it, a JSON array, or an error that is always a
	 * {@link GatewayProblem}
	 */
	public Mono<JsonNode> providerIcons() {
		return call(Operation.PROVIDER_ICONS, UpstreamQuotas.GATEWAY, this.retry.deadline(), null,
				() -> this.iconClient.get()
					.uri(this.iconPath)
					.exchangeToMono((response) -> this.answers
						.iconList(usesKey(Operation.PROVIDER_ICONS) ? probed(response) : response, this.iconPath)));
	}

	/**
	 * The resilience chain every WorkOS call goes through, in the order it runs:
	 * <ol>
	 * <li>wait out the key's cool-down, or give up with 429 (keyed calls only);</li>
	 * <li>take a permit from the operation's quota, or give up with 429;</li>
	 * <li>make the call within the response timeout and what is left of the deadline,
	 * network faults becoming problems, the attempt timed;</li>
	 * <li>on a WorkOS 429, hold the key on every replica before anyone is answered;</li>
	 * <li>on a retryable failure go round again, cool-down, permit and all, as
	 * {@link UpstreamRetry} decides.</li>
	 * </ol>
	 * Whatever an attempt takes (a permit, the probe after a cool-down) is given back
	 * when that attempt ends, on every path. A failure that is not WorkOS's or the
	 * network's is a bug of ours: it is not retried and reaches the caller as a 500.
	 */
	private <T> Mono<T> call(Operation operation, FairShare.Claimant caller, Duration budget,
			@Nullable String requestId, Supplier<Mono<T>> exchange) {
		boolean keyed = usesKey(operation);
		return Mono.defer(() -> {
			long deadline = this.ticker.read() + budget.toNanos();
			Mono<T> attempt = Mono.defer(() -> exchange.get().timeout(min(this.responseTimeout, left(deadline))))
				.onErrorMap(TransportProblems::isTransportFailure,
						(failure) -> TransportProblems.of(failure, requestId))
				.transform((call) -> this.metrics.timed(operation, call))
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

	/** Any answer but 429 ends the probing that follows a cool-down. */
	private ClientResponse probed(ClientResponse response) {
		if (response.statusCode().value() != 429) {
			this.cooldown.keyWorks();
		}
		return response;
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

	private static Duration min(Duration one, Duration other) {
		return (one.compareTo(other) <= 0) ? one : other;
	}

	private Duration left(long deadline) {
		return Duration.ofNanos(Math.max(1_000_000, deadline - this.ticker.read()));
	}

}
