package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.BiFunction;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.portalgateway.system.Uuids;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import io.github.resilience4j.reactor.ratelimiter.operator.RateLimiterOperator;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

/**
 * The gateway's quotas for WorkOS, per operation for the gateway's key, plus what callers
 * are told about them: {@code RateLimit-*} headers and the 429 for a request that gets no
 * permit.
 * <ul>
 * <li>Links: a {@link FairShare} of the budget among the callers, in a sliding window (no
 * stretch of {@code period} sees more than the limit). Resilience4j's rate limiter knows
 * nothing of callers, so it cannot share a budget fairly.</li>
 * <li>The icon list (the gateway's own calls): one Resilience4j {@link RateLimiter},
 * named {@code <operation>-<key fingerprint>} (never the key). It counts in fixed
 * windows: up to twice the limit can pass in one period-long stretch that spans a window
 * boundary.</li>
 * </ul>
 * Its parts: {@link LocalShares} (this replica's part of each limit while Redis is away),
 * {@link Refusals} (the 429s it answers itself), {@link RequestPermits} (the quota as a
 * request's own permit left it) and {@link LocalLimiter}. What stays here (about 260
 * lines) is the choice between the local and the shared path for each permit, in one
 * place.
 */
public class UpstreamQuotas {

	/** The claim of the gateway's own calls (the icon list), and of tests. */
	public static final FairShare.Claimant GATEWAY = FairShare.Claimant.anonymous("gateway");

	private static final long NO_DEADLINE = Long.MAX_VALUE;

	private final Map<Operation, RateLimitProperties.Quota> quotas = new EnumMap<>(Operation.class);

	/** The link budget, shared fairly among callers (local store). */
	private final FairShare links;

	/** The limiter of each operation but links (local store). */
	private final Map<Operation, LocalLimiter> limiters = new EnumMap<>(Operation.class);

	/** With the Redis store: this replica's part of each limit while Redis is away. */
	private final @Nullable LocalShares shares;

	private final Refusals refusals;

	private final QuotaGauges gauges;

	private final Ticker ticker;

	private final @Nullable SharedQuotaStore shared;

	public UpstreamQuotas(RateLimitProperties properties, String keyFingerprint, Ticker ticker, MeterRegistry meters) {
		this(properties, keyFingerprint, ticker, meters, null);
	}

	/**
	 * @param shared the Redis store when quotas are global ({@code store: redis}), else
	 * null
	 */
	public UpstreamQuotas(RateLimitProperties properties, String keyFingerprint, Ticker ticker, MeterRegistry meters,
			@Nullable SharedQuotaStore shared) {
		this.ticker = ticker;
		this.shared = shared;
		this.refusals = new Refusals(meters, shared != null);
		for (Operation operation : Operation.values()) {
			RateLimitProperties.Quota quota = properties.quota(operation);
			this.quotas.put(operation, quota);
			if (operation != Operation.PORTAL_LINKS) {
				this.limiters.put(operation, new LocalLimiter(operation.tag() + "-" + keyFingerprint, quota.limit(),
						quota.period(), quota.maxWait(), ticker));
			}
		}
		RateLimitProperties.Quota linkQuota = this.quotas.get(Operation.PORTAL_LINKS);
		this.links = new FairShare(linkQuota.limit(), linkQuota.period());
		this.shares = (shared != null) ? new LocalShares(this.quotas, shared, keyFingerprint, ticker) : null;
		this.gauges = new QuotaGauges(this.quotas, shared != null, ticker, this::snapshot, meters);
	}

	/**
	 * The quota check to put in front of every call (and retry) of this operation: the
	 * Resilience4j operator on the local limiter, or a permit from the shared Redis log.
	 * <p>
	 * A Redis command that timed out or failed may still have run and taken a permit, so
	 * an unknown answer is never followed by a local permit: the store is asked once more
	 * with the same permit id (the script grants an id at most once), and if that is
	 * unknown too the request is refused with 429 and {@code Retry-After: 1}. Only
	 * requests that arrive while the store is declared degraded use this replica's local
	 * share of the limit. For links, every shared permit this replica gets is counted in
	 * its local share as well, so after losing Redis a replica only has what is left of
	 * its share in the current period, not a fresh share on top of what it took. Redis is
	 * waited for no longer than {@code redis-timeout}, nor past {@code deadline} (ticker
	 * time): a request out of time gets its 429 then.
	 */
	public <T> Function<Mono<T>, Mono<T>> guard(Operation operation, long deadline, FairShare.Claimant claimant) {
		SharedQuotaStore store = this.shared;
		LocalShares local = this.shares;
		boolean fair = operation == Operation.PORTAL_LINKS;
		if (store == null || local == null) {
			return fair ? fair(this.links, claimant, deadline)
					: local(operation, Objects.requireNonNull(this.limiters.get(operation)).limiter());
		}
		RateLimitProperties.Quota quota = this.quotas.get(operation);
		return (call) -> Mono.deferContextual((context) -> {
			if (store.isDegraded()) {
				return call.transform(
						fair ? fair(local.links(), claimant, deadline) : local(operation, local.limiter(operation)));
			}
			String permit = Uuids.random();
			Mono<FairDecision> ask = Mono.defer(
					() -> fair ? store.acquireFair(quota.limit(), quota.period(), permit, timeLeft(deadline), claimant)
							: store.acquire(operation, quota.limit(), quota.period(), permit, timeLeft(deadline))
								.map(FairDecision::of));
			return ask.onErrorResume((unanswered) -> store.isDegraded() ? Mono.error(unanswered) : ask)
				.onErrorMap((unanswered) -> this.refusals.unknownOutcome(operation))
				.flatMap((answer) -> {
					StoreDecision decision = answer.decision();
					QuotaSnapshot seen = QuotaSnapshot.of(decision);
					this.gauges.answered(operation, seen);
					RequestPermits.record(context, seen,
							decision.granted() ? decision.admittedAt() : RequestPermits.NOT_FROM_REDIS);
					if (!decision.granted()) {
						return Mono.error((answer.verdict() == FairShare.Verdict.BUDGET_IN_USE)
								? this.refusals.budgetUsed(operation, seen) : this.refusals.callerRefused(claimant,
										answer.verdict(), answer.share(), decision.reset()));
					}
					if (fair) {
						// Counted in the local share too, for the moment Redis goes away.
						local.links().record(claimant, this.ticker.read());
					}
					return call;
				});
		});
	}

	/**
	 * The quota check, for a request with no deadline and no caller of its own (tests).
	 */
	<T> Function<Mono<T>, Mono<T>> guard(Operation operation) {
		return guard(operation, NO_DEADLINE, GATEWAY);
	}

	/**
	 * A permit from a fair share of a budget, waiting for one up to {@code max-wait} (and
	 * the deadline) when the refusal says one will come in time.
	 */
	private <T> Function<Mono<T>, Mono<T>> fair(FairShare budget, FairShare.Claimant claimant, long deadline) {
		Duration maxWait = this.quotas.get(Operation.PORTAL_LINKS).maxWait();
		return (call) -> Mono.deferContextual((context) -> {
			// From when this attempt asks: each attempt (retry) may wait up to max-wait.
			long waitUntil = Math.min(this.ticker.read() + maxWait.toNanos(), deadline);
			return permit(budget, claimant, waitUntil).flatMap((decision) -> {
				RequestPermits.record(context, QuotaSnapshot.of(budget, decision), RequestPermits.NOT_FROM_REDIS);
				return call;
			});
		});
	}

	private Mono<FairShare.Decision> permit(FairShare budget, FairShare.Claimant claimant, long waitUntil) {
		return Mono.defer(() -> {
			long now = this.ticker.read();
			FairShare.Decision decision = budget.acquire(claimant, now);
			if (decision.granted()) {
				return Mono.just(decision);
			}
			long wait = decision.retryAfter().toNanos();
			if (wait > 0 && now + wait <= waitUntil) {
				return Mono.delay(decision.retryAfter()).then(permit(budget, claimant, waitUntil));
			}
			return Mono.error(this.refusals.refused(budget, claimant, decision));
		});
	}

	private <T> Function<Mono<T>, Mono<T>> local(Operation operation, RateLimiter limiter) {
		return (call) -> call.transformDeferred(RateLimiterOperator.of(limiter))
			.onErrorMap(RequestNotPermitted.class, (ex) -> this.refusals.budgetUsed(operation, snapshot(operation)));
	}

	/** Time left until {@code deadline} (ticker time), at least 1 ms. */
	private Duration timeLeft(long deadline) {
		// Ticker time may be negative (System.nanoTime): never subtract from "none".
		long left = (deadline == NO_DEADLINE) ? Long.MAX_VALUE : deadline - this.ticker.read();
		return Duration.ofNanos(Math.max(1_000_000, left));
	}

	/**
	 * Runs {@code work} (a chain with this operation's {@link #guard}) and hands
	 * {@code answer} the quota as this request's own permit left it: the shared store's
	 * answer to it, or the local quota now.
	 */
	public <T, R> Mono<R> observed(Operation operation, Mono<T> work, BiFunction<T, QuotaSnapshot, Mono<R>> answer) {
		return RequestPermits.observed(work, () -> snapshot(operation), answer);
	}

	/**
	 * When the shared store admitted the permit the current attempt holds (Redis's time,
	 * epoch ms), for a request run through {@link #observed} with the Redis store: what
	 * the store's windows count, as opposed to when the call then started.
	 */
	public static OptionalLong admittedAt(ContextView context) {
		return RequestPermits.admittedAt(context);
	}

	/**
	 * The link budget and each active caller's part of it now: from Redis with the Redis
	 * store (global), else this replica's (its local share while Redis is away).
	 */
	public Mono<FairShare.View> linkView() {
		SharedQuotaStore store = this.shared;
		LocalShares local = this.shares;
		if (store == null || local == null) {
			return Mono.fromSupplier(() -> this.links.view(this.ticker.read()));
		}
		if (store.isDegraded()) {
			return Mono.fromSupplier(() -> local.links().view(this.ticker.read()));
		}
		RateLimitProperties.Quota quota = this.quotas.get(Operation.PORTAL_LINKS);
		return store.fairView(quota.limit(), quota.period());
	}

	/** Where quotas are counted now: {@code local}, {@code redis} or {@code degraded}. */
	public String store() {
		SharedQuotaStore store = this.shared;
		return (store == null) ? "local" : store.isDegraded() ? "degraded" : "redis";
	}

	/** The icon list's quota now: its limit and period, and permits taken this window. */
	public QuotaSnapshot iconQuota() {
		return snapshot(Operation.PROVIDER_ICONS);
	}

	/**
	 * The Resilience4j limiter of an operation the gateway calls for itself (the icon
	 * list), for the tests that count its windows; links are shared fairly instead.
	 */
	RateLimiter limiter(Operation operation) {
		return Objects
			.requireNonNull(this.limiters.get(operation),
					"links are shared fairly (FairShare), not by a Resilience4j limiter")
			.limiter();
	}

	/** The local quota's state now, for {@code RateLimit-*} headers. */
	QuotaSnapshot snapshot(Operation operation) {
		if (operation == Operation.PORTAL_LINKS) {
			return QuotaSnapshot.of(this.links.view(this.ticker.read()));
		}
		return Objects.requireNonNull(this.limiters.get(operation)).snapshot();
	}

}
