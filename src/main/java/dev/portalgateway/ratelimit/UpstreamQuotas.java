package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import dev.portalgateway.system.Uuids;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.github.resilience4j.reactor.ratelimiter.operator.RateLimiterOperator;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

import org.springframework.http.HttpHeaders;

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
 */
public class UpstreamQuotas {

	private final Map<Operation, Entry> entries = new EnumMap<>(Operation.class);

	/** This replica's share of each limit, used while the Redis store is degraded. */
	private final Map<Operation, AtomicReference<AtomicRateLimiter>> shares = new EnumMap<>(Operation.class);

	/** The link budget, shared fairly among callers (local store). */
	private final FairShare links;

	/** This replica's share of the link budget, fairly shared, while Redis is away. */
	private final AtomicReference<SharedLinks> linkShare = new AtomicReference<>();

	private final Map<FairShare.Verdict, Counter> callerRejections = new EnumMap<>(FairShare.Verdict.class);

	private final Map<Operation, Counter> unknown = new EnumMap<>(Operation.class);

	/** The shared log's last answer per operation, for the gauges. */
	private final Map<Operation, AtomicReference<@Nullable LastAnswer>> lastShared = new EnumMap<>(Operation.class);

	/**
	 * Where a request keeps the shared store's answer to its own permit, for its
	 * {@code RateLimit-*} headers (see {@link #observed}).
	 */
	private static final Class<Seen> SEEN = Seen.class;

	private final Ticker ticker;

	private final String keyFingerprint;

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
		this.keyFingerprint = keyFingerprint;
		this.shared = shared;
		RateLimitProperties.Quota linkQuota = properties.quota(Operation.PORTAL_LINKS);
		this.links = new FairShare(linkQuota.limit(), linkQuota.period());
		this.callerRejections.put(FairShare.Verdict.OVER_SHARE,
				rejectedCounter(meters, Operation.PORTAL_LINKS, "caller_share"));
		this.callerRejections.put(FairShare.Verdict.OVER_CAP,
				rejectedCounter(meters, Operation.PORTAL_LINKS, "caller_cap"));
		for (Operation operation : Operation.values()) {
			RateLimitProperties.Quota quota = properties.quota(operation);
			long start = ticker.read();
			boolean fair = operation == Operation.PORTAL_LINKS;
			AtomicRateLimiter limiter = fair ? null
					: limiter(operation.tag() + "-" + keyFingerprint, quota.limit(), quota.period(), quota.maxWait());
			Counter rejected = rejectedCounter(meters, operation, "quota");
			Gauge.builder("gateway.ratelimit.available.permits", this, (quotas) -> quotas.available(operation))
				.description("Calls to WorkOS the gateway may still make in the current window"
						+ " (with the Redis store: as the shared log last answered this replica)")
				.tag("operation", operation.tag())
				.register(meters);
			Gauge.builder("gateway.ratelimit.limit", quota, (configured) -> configured.limit())
				.description("Calls to WorkOS allowed per period, for all replicas together")
				.tag("operation", operation.tag())
				.register(meters);
			Gauge.builder("gateway.ratelimit.reset", this, (quotas) -> quotas.untilAPermitFrees(operation))
				.description("Time until the oldest call in the window leaves it and a permit frees up")
				.tag("operation", operation.tag())
				.baseUnit("seconds")
				.register(meters);
			this.lastShared.put(operation, new AtomicReference<>());
			this.entries.put(operation, new Entry(limiter, quota, start, rejected));
			if (shared != null) {
				if (!fair) {
					this.shares.put(operation, new AtomicReference<>(shareLimiter(operation, shared)));
				}
				this.unknown.put(operation, rejectedCounter(meters, operation, "store_unknown"));
			}
		}
	}

	private AtomicRateLimiter limiter(String name, int limit, Duration period, Duration maxWait) {
		RateLimiterConfig config = RateLimiterConfig.custom()
			.limitForPeriod(limit)
			.limitRefreshPeriod(period)
			.timeoutDuration(maxWait)
			.writableStackTraceEnabled(false)
			.build();
		return new AtomicRateLimiter(name, config, this.ticker::read);
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
		boolean fair = operation == Operation.PORTAL_LINKS;
		if (store == null) {
			return fair ? fair(this.links, claimant, deadline) : local(operation, limiter(operation));
		}
		RateLimitProperties.Quota quota = this.entries.get(operation).quota();
		return (call) -> Mono.deferContextual((context) -> {
			if (store.isDegraded()) {
				return call.transform(
						fair ? fair(linkShare(store), claimant, deadline) : local(operation, share(operation, store)));
			}
			String permit = Uuids.random();
			Mono<SharedQuotaStore.FairDecision> ask = Mono.defer(
					() -> fair ? store.acquireFair(quota.limit(), quota.period(), permit, timeLeft(deadline), claimant)
							: store.acquire(operation, quota.limit(), quota.period(), permit, timeLeft(deadline))
								.map(SharedQuotaStore.FairDecision::of));
			return ask.onErrorResume((unanswered) -> store.isDegraded() ? Mono.error(unanswered) : ask)
				.onErrorMap((unanswered) -> unknownOutcome(operation))
				.flatMap((answer) -> {
					SharedQuotaStore.Decision decision = answer.decision();
					this.lastShared.get(operation).set(new LastAnswer(Snapshot.of(decision), this.ticker.read()));
					context.getOrEmpty(SEEN)
						.ifPresent((seen) -> ((Seen) seen).set(new Permit(Snapshot.of(decision),
								decision.granted() ? decision.admittedAt() : NOT_FROM_REDIS)));
					if (decision.granted()) {
						if (fair) {
							// Counted in the local share too, for the moment Redis goes
							// away.
							linkShare(store).record(claimant, this.ticker.read());
						}
						return call;
					}
					return Mono.error((answer.verdict() == FairShare.Verdict.BUDGET_IN_USE)
							? rejected(operation, Snapshot.of(decision)) : callerRefused(answer.verdict(),
									ownLimit(claimant, answer.verdict(), answer.share()), decision.reset()));
				});
		});
	}

	/**
	 * The quota check, for a request with no deadline and no caller of its own (tests).
	 */
	<T> Function<Mono<T>, Mono<T>> guard(Operation operation) {
		return guard(operation, NO_DEADLINE, GATEWAY);
	}

	/** The claim of the gateway's own calls (the icon list), and of tests. */
	public static final FairShare.Claimant GATEWAY = FairShare.Claimant.anonymous("gateway");

	/**
	 * A permit from a fair share of a budget, waiting for one up to {@code max-wait} (and
	 * the deadline) when the refusal says one will come in time.
	 */
	private <T> Function<Mono<T>, Mono<T>> fair(FairShare budget, FairShare.Claimant claimant, long deadline) {
		Duration maxWait = this.entries.get(Operation.PORTAL_LINKS).quota().maxWait();
		return (call) -> Mono.deferContextual((context) -> {
			// From when this attempt asks: each attempt (retry) may wait up to max-wait.
			long waitUntil = Math.min(this.ticker.read() + maxWait.toNanos(), deadline);
			return permit(budget, claimant, waitUntil).flatMap((decision) -> {
				context.getOrEmpty(SEEN)
					.ifPresent((seen) -> ((Seen) seen).set(new Permit(Snapshot.of(budget, decision), NOT_FROM_REDIS)));
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
			return Mono.error(refused(budget, claimant, decision));
		});
	}

	/**
	 * The 429 for a link refused by the fair share: the caller's own share or cap
	 * ({@code caller_quota_exceeded}, with {@code RateLimit-*} for its own share), or the
	 * whole budget ({@code rate_limited}).
	 */
	private GatewayProblem refused(FairShare budget, FairShare.Claimant claimant, FairShare.Decision decision) {
		if (decision.verdict() == FairShare.Verdict.BUDGET_IN_USE) {
			return rejected(Operation.PORTAL_LINKS, Snapshot.of(budget, decision));
		}
		return callerRefused(decision.verdict(),
				ownLimit(claimant, decision.verdict(), (int) Math.floor(decision.share())), decision.retryAfter());
	}

	/** The caller's own limit: its cap, or its share in whole permits (at least 1). */
	private static int ownLimit(FairShare.Claimant claimant, FairShare.Verdict verdict, int share) {
		return (verdict == FairShare.Verdict.OVER_CAP) ? claimant.maxLinks() : Math.max(1, share);
	}

	/** 429 {@code caller_quota_exceeded}, with {@code RateLimit-*} for its own limit. */
	private GatewayProblem callerRefused(FairShare.Verdict verdict, int ownLimit, Duration retryAfter) {
		this.callerRejections.get(verdict).increment();
		String detail = (verdict == FairShare.Verdict.OVER_CAP)
				? "This caller has had its most links for this period (max-links)"
				: "This caller has used its fair share of the WorkOS link budget";
		GatewayProblem problem = new GatewayProblem(ProblemCode.CALLER_QUOTA_EXCEEDED,
				detail + "; retry after the Retry-After delay.")
			.withRetryAfter(retryAfter);
		new Snapshot(ownLimit, 0, retryAfter, retryAfter).addTo(problem.getHeaders());
		return problem;
	}

	/** This replica's fair share of the link budget while Redis is away. */
	private FairShare linkShare(SharedQuotaStore store) {
		Share wanted = Share.of(this.entries.get(Operation.PORTAL_LINKS).quota(), store.replicas());
		SharedLinks current = this.linkShare.get();
		if (current != null && current.share().equals(wanted)) {
			return current.budget();
		}
		SharedLinks replaced = new SharedLinks(wanted, new FairShare(wanted.permits(), wanted.period()));
		return this.linkShare.compareAndSet(current, replaced) ? replaced.budget() : this.linkShare.get().budget();
	}

	private record SharedLinks(Share share, FairShare budget) {
	}

	/**
	 * The link budget and each active caller's part of it now: from Redis with the Redis
	 * store (global), else this replica's (its local share while Redis is away).
	 */
	public Mono<FairShare.View> linkView() {
		SharedQuotaStore store = this.shared;
		RateLimitProperties.Quota quota = this.entries.get(Operation.PORTAL_LINKS).quota();
		if (store == null) {
			return Mono.fromSupplier(() -> this.links.view(this.ticker.read()));
		}
		if (store.isDegraded()) {
			return Mono.fromSupplier(() -> linkShare(store).view(this.ticker.read()));
		}
		return store.fairView(quota.limit(), quota.period());
	}

	/** Where quotas are counted now: {@code local}, {@code redis} or {@code degraded}. */
	public String store() {
		SharedQuotaStore store = this.shared;
		return (store == null) ? "local" : store.isDegraded() ? "degraded" : "redis";
	}

	/** The icon list's quota now: its limit and period, and permits taken this window. */
	public Snapshot iconQuota() {
		return snapshot(Operation.PROVIDER_ICONS);
	}

	/** Permits left now, for the gauge. */
	private double available(Operation operation) {
		LastAnswer last = recentSharedAnswer(operation);
		if (last != null) {
			return last.snapshot().remaining();
		}
		if (this.shared != null) {
			// No answer from the shared log in the last period: nothing this replica
			// knows of is in use.
			return this.entries.get(operation).quota().limit();
		}
		if (operation == Operation.PORTAL_LINKS) {
			FairShare.View view = this.links.view(this.ticker.read());
			return Math.max(0, view.limit() - view.used());
		}
		return Math.max(0, limiter(operation).getMetrics().getAvailablePermissions());
	}

	private double untilAPermitFrees(Operation operation) {
		LastAnswer last = recentSharedAnswer(operation);
		if (last != null) {
			long left = last.snapshot().reset().toNanos() - (this.ticker.read() - last.at());
			return Math.max(0, left) / 1e9;
		}
		return (this.shared != null) ? 0 : snapshot(operation).reset().toNanos() / 1e9;
	}

	/** The shared log's last answer to this replica, if it came within one period. */
	private @Nullable LastAnswer recentSharedAnswer(Operation operation) {
		AtomicReference<LastAnswer> holder = this.lastShared.get(operation);
		LastAnswer last = (holder != null) ? holder.get() : null;
		if (last == null || this.ticker.read() - last.at() >= this.entries.get(operation).quota().period().toNanos()) {
			return null;
		}
		return last;
	}

	/** An answer of the shared log, and when it came (ticker time). */
	private record LastAnswer(Snapshot snapshot, long at) {
	}

	private static final long NO_DEADLINE = Long.MAX_VALUE;

	/** Time left until {@code deadline} (ticker time), at least 1 ms. */
	private Duration timeLeft(long deadline) {
		// Ticker time may be negative (System.nanoTime): never subtract from "none".
		long left = (deadline == NO_DEADLINE) ? Long.MAX_VALUE : deadline - this.ticker.read();
		return Duration.ofNanos(Math.max(1_000_000, left));
	}

	/**
	 * Runs {@code work} (a chain with this operation's {@link #guard}) and hands
	 * {@code answer} the quota as this request's own permit left it: the shared store's
	 * answer to it, or the local limiter now.
	 */
	public <T, R> Mono<R> observed(Operation operation, Mono<T> work, BiFunction<T, Snapshot, Mono<R>> answer) {
		return Mono.defer(() -> {
			Seen seen = new Seen();
			return work.contextWrite((context) -> context.put(SEEN, seen)).flatMap((value) -> {
				Permit permit = seen.get();
				return answer.apply(value, (permit != null) ? permit.snapshot() : snapshot(operation));
			});
		});
	}

	/**
	 * When the shared store admitted the permit the current attempt holds (Redis's time,
	 * epoch ms), for a request run through {@link #observed} with the Redis store: what
	 * the store's windows count, as opposed to when the call then started.
	 */
	public static OptionalLong admittedAt(ContextView context) {
		Permit permit = context.<Seen>getOrEmpty(SEEN).map(Seen::get).orElse(null);
		return (permit != null && permit.admittedAt() != NOT_FROM_REDIS) ? OptionalLong.of(permit.admittedAt())
				: OptionalLong.empty();
	}

	private static final long NOT_FROM_REDIS = -1;

	/**
	 * The quota as one request's own permit left it, and when Redis admitted it (epoch
	 * ms; {@link #NOT_FROM_REDIS} for a local permit or a refusal).
	 */
	private record Permit(Snapshot snapshot, long admittedAt) {
	}

	/** Where one request keeps its {@link Permit}. */
	private static final class Seen extends AtomicReference<@Nullable Permit> {

	}

	private <T> Function<Mono<T>, Mono<T>> local(Operation operation, RateLimiter limiter) {
		return (call) -> call.transformDeferred(RateLimiterOperator.of(limiter))
			.onErrorMap(RequestNotPermitted.class, (ex) -> rejected(operation));
	}

	private GatewayProblem unknownOutcome(Operation operation) {
		this.unknown.get(operation).increment();
		return new GatewayProblem(ProblemCode.RATE_LIMITED,
				"The gateway could not tell whether its shared WorkOS quota has room; retry after the Retry-After delay.")
			.withRetryAfter(Duration.ofSeconds(1));
	}

	private RateLimiter share(Operation operation, SharedQuotaStore store) {
		AtomicReference<AtomicRateLimiter> current = this.shares.get(operation);
		AtomicRateLimiter limiter = current.get();
		Share wanted = Share.of(this.entries.get(operation).quota(), store.replicas());
		if (limiter.getRateLimiterConfig().getLimitForPeriod() != wanted.permits()
				|| !limiter.getRateLimiterConfig().getLimitRefreshPeriod().equals(wanted.period())) {
			AtomicRateLimiter replaced = shareLimiter(operation, store);
			return current.compareAndSet(limiter, replaced) ? replaced : current.get();
		}
		return limiter;
	}

	private AtomicRateLimiter shareLimiter(Operation operation, SharedQuotaStore store) {
		RateLimitProperties.Quota quota = this.entries.get(operation).quota();
		Share share = Share.of(quota, store.replicas());
		return limiter(operation.tag() + "-share-" + this.keyFingerprint, share.permits(), share.period(),
				quota.maxWait());
	}

	/**
	 * This replica's part of a limit while Redis is away: {@code limit / replicas} per
	 * period, or, with fewer permits than replicas, one permit per
	 * {@code period × replicas / limit}; either way the replicas together allow at most
	 * {@code limit} per period (per fixed window of each replica).
	 *
	 * @param permits permits per window
	 * @param period the window
	 */
	record Share(int permits, Duration period) {

		static Share of(RateLimitProperties.Quota quota, int replicas) {
			if (quota.limit() >= replicas) {
				return new Share(quota.limit() / replicas, quota.period());
			}
			// Rounded up, so the replicas never add up to more than the limit.
			long nanos = Math.multiplyExact(quota.period().toNanos(), (long) replicas);
			return new Share(1, Duration.ofNanos((nanos + quota.limit() - 1) / quota.limit()));
		}

	}

	static Counter rejectedCounter(MeterRegistry meters, Operation operation, String reason) {
		return Counter.builder("gateway.ratelimit.rejected")
			.description("Requests answered 429 by the gateway itself, without calling WorkOS")
			.tag("operation", operation.tag())
			.tag("reason", reason)
			.register(meters);
	}

	/**
	 * The Resilience4j limiter of an operation the gateway calls for itself (the icon
	 * list); links are shared fairly instead.
	 */
	RateLimiter limiter(Operation operation) {
		return Objects.requireNonNull(this.entries.get(operation).limiter(),
				"links are shared fairly (FairShare), not by a Resilience4j limiter");
	}

	/** The local quota's state now, for {@code RateLimit-*} headers. */
	public Snapshot snapshot(Operation operation) {
		if (operation == Operation.PORTAL_LINKS) {
			FairShare.View view = this.links.view(this.ticker.read());
			int remaining = Math.max(0, view.limit() - view.used());
			return new Snapshot(view.limit(), remaining, view.untilOldestLeaves(),
					(remaining > 0) ? Duration.ZERO : view.untilOldestLeaves());
		}
		Entry entry = this.entries.get(operation);
		long period = entry.quota().period().toNanos();
		long intoWindow = Math.floorMod(this.ticker.read() - entry.start(), period);
		AtomicRateLimiter limiter = Objects.requireNonNull(entry.limiter());
		int available = limiter.getMetrics().getAvailablePermissions();
		long nanosToWait = limiter.getDetailedMetrics().getNanosToWait();
		return new Snapshot(entry.quota().limit(), Math.max(0, available), Duration.ofNanos(period - intoWindow),
				Duration.ofNanos(Math.max(nanosToWait, (available > 0) ? 0 : period - intoWindow)));
	}

	/** The answer for a request that got no permit in time; counted as a rejection. */
	public GatewayProblem rejected(Operation operation) {
		return rejected(operation, snapshot(operation));
	}

	/**
	 * The answer for a request that got no permit, with the quota as it was seen for that
	 * request (the Redis script's own answer, not a later one).
	 */
	private GatewayProblem rejected(Operation operation, Snapshot snapshot) {
		this.entries.get(operation).rejected().increment();
		GatewayProblem problem = new GatewayProblem(ProblemCode.RATE_LIMITED,
				"The gateway's WorkOS quota for this operation is used up; retry after the Retry-After delay.")
			.withRetryAfter(snapshot.nextPermit());
		snapshot.addTo(problem.getHeaders());
		return problem;
	}

	/**
	 * A quota at one moment.
	 *
	 * @param limit permits per window
	 * @param remaining permits left in this window
	 * @param reset time until the window ends
	 * @param nextPermit time until a permit is free (zero when one is free now)
	 */
	public record Snapshot(int limit, int remaining, Duration reset, Duration nextPermit) {

		/** The whole budget as a fair-share decision left it. */
		static Snapshot of(FairShare budget, FairShare.Decision decision) {
			int remaining = Math.max(0, budget.limit() - decision.usedTotal());
			Duration reset = decision.granted() ? budget.period() : decision.retryAfter();
			return new Snapshot(budget.limit(), remaining, reset, decision.retryAfter());
		}

		static Snapshot of(SharedQuotaStore.Decision decision) {
			return new Snapshot(decision.limit(), decision.remaining(), decision.reset(),
					decision.granted() ? Duration.ZERO : decision.reset());
		}

		/**
		 * Adds {@code RateLimit-Limit}, {@code -Remaining} and {@code -Reset} (whole
		 * seconds).
		 */
		public void addTo(HttpHeaders headers) {
			headers.set("RateLimit-Limit", Integer.toString(this.limit));
			headers.set("RateLimit-Remaining", Integer.toString(this.remaining));
			headers.set("RateLimit-Reset", Long.toString(GatewayProblem.wholeSeconds(this.reset)));
		}

	}

	private record Entry(@Nullable AtomicRateLimiter limiter, RateLimitProperties.Quota quota, long start,
			Counter rejected) {
	}

}
