package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
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
 * One Resilience4j {@link RateLimiter} per WorkOS operation for the gateway's key, named
 * {@code <operation>-<key fingerprint>} (never the key), plus what callers are told about
 * them: {@code RateLimit-*} headers and the 429 for a request that gets no permit.
 * <p>
 * Resilience4j counts in fixed windows: up to twice the limit can pass in one period-long
 * stretch that spans a window boundary. The README shows a configuration that cannot
 * exceed the limit in any window.
 */
public class UpstreamQuotas {

	private final Map<Operation, Entry> entries = new EnumMap<>(Operation.class);

	/** This replica's share of each limit, used while the Redis store is degraded. */
	private final Map<Operation, AtomicReference<AtomicRateLimiter>> shares = new EnumMap<>(Operation.class);

	private final Map<Operation, Counter> unknown = new EnumMap<>(Operation.class);

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
		for (Operation operation : Operation.values()) {
			RateLimitProperties.Quota quota = properties.quota(operation);
			long start = ticker.read();
			AtomicRateLimiter limiter = limiter(operation.tag() + "-" + keyFingerprint, quota.limit(), quota.period(),
					quota.maxWait());
			Counter rejected = rejectedCounter(meters, operation, "quota");
			Gauge
				.builder("gateway.ratelimit.available.permits", limiter,
						(l) -> Math.max(0, l.getMetrics().getAvailablePermissions()))
				.description("Calls to WorkOS the gateway may still make in the current window")
				.tag("operation", operation.tag())
				.register(meters);
			this.entries.put(operation, new Entry(limiter, quota, start, rejected));
			if (shared != null) {
				this.shares.put(operation, new AtomicReference<>(shareLimiter(operation, shared)));
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
	 * share of the limit. Redis is waited for no longer than {@code redis-timeout}, nor
	 * past {@code deadline} (ticker time): a request out of time gets its 429 then.
	 */
	public <T> Function<Mono<T>, Mono<T>> guard(Operation operation, long deadline) {
		SharedQuotaStore store = this.shared;
		if (store == null) {
			return local(operation, this.entries.get(operation).limiter());
		}
		RateLimitProperties.Quota quota = this.entries.get(operation).quota();
		return (call) -> Mono.deferContextual((context) -> {
			if (store.isDegraded()) {
				return call.transform(local(operation, share(operation, store)));
			}
			String permit = Uuids.random();
			Mono<SharedQuotaStore.Decision> ask = Mono
				.defer(() -> store.acquire(operation, quota.limit(), quota.period(), permit, timeLeft(deadline)));
			return ask.onErrorResume((unanswered) -> store.isDegraded() ? Mono.error(unanswered) : ask)
				.onErrorMap((unanswered) -> unknownOutcome(operation))
				.flatMap((decision) -> {
					context.getOrEmpty(SEEN).ifPresent((seen) -> ((Seen) seen).set(decision));
					return decision.granted() ? call : Mono.error(rejected(operation, Snapshot.of(decision)));
				});
		});
	}

	/** The quota check, for a request with no deadline of its own (tests). */
	<T> Function<Mono<T>, Mono<T>> guard(Operation operation) {
		return guard(operation, NO_DEADLINE);
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
				SharedQuotaStore.Decision decision = seen.get();
				return answer.apply(value, (decision != null) ? Snapshot.of(decision) : snapshot(operation));
			});
		});
	}

	/**
	 * When the shared store admitted the permit the current attempt holds (Redis's time,
	 * epoch ms), for a request run through {@link #observed} with the Redis store: what
	 * the store's windows count, as opposed to when the call then started.
	 */
	public static OptionalLong admittedAt(ContextView context) {
		SharedQuotaStore.Decision decision = context.<Seen>getOrEmpty(SEEN).map(Seen::get).orElse(null);
		return (decision != null && decision.granted()) ? OptionalLong.of(decision.admittedAt()) : OptionalLong.empty();
	}

	/** The shared store's answer to one request's permit. */
	private static final class Seen extends AtomicReference<SharedQuotaStore.@Nullable Decision> {

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

	/** The limiter to put in front of every call (and retry) of this operation. */
	public RateLimiter limiter(Operation operation) {
		return this.entries.get(operation).limiter();
	}

	/** The local quota's state now, for {@code RateLimit-*} headers. */
	Snapshot snapshot(Operation operation) {
		Entry entry = this.entries.get(operation);
		long period = entry.quota().period().toNanos();
		long intoWindow = Math.floorMod(this.ticker.read() - entry.start(), period);
		int available = entry.limiter().getMetrics().getAvailablePermissions();
		long nanosToWait = entry.limiter().getDetailedMetrics().getNanosToWait();
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

	private record Entry(AtomicRateLimiter limiter, RateLimitProperties.Quota quota, long start, Counter rejected) {
	}

}
