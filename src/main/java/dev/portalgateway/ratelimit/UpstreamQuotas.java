package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
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

	private final Map<Operation, AtomicRateLimiter> shares = new EnumMap<>(Operation.class);

	private final Map<Operation, AtomicReference<SharedQuotaStore.Decision>> lastShared = new EnumMap<>(
			Operation.class);

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
		for (Operation operation : Operation.values()) {
			RateLimitProperties.Quota quota = properties.quota(operation);
			RateLimiterConfig config = RateLimiterConfig.custom()
				.limitForPeriod(quota.limit())
				.limitRefreshPeriod(quota.period())
				.timeoutDuration(quota.maxWait())
				.writableStackTraceEnabled(false)
				.build();
			long start = ticker.read();
			AtomicRateLimiter limiter = new AtomicRateLimiter(operation.tag() + "-" + keyFingerprint, config,
					ticker::read);
			Counter rejected = rejectedCounter(meters, operation, "quota");
			Gauge
				.builder("gateway.ratelimit.available.permits", limiter,
						(l) -> Math.max(0, l.getMetrics().getAvailablePermissions()))
				.description("Calls to WorkOS the gateway may still make in the current window")
				.tag("operation", operation.tag())
				.register(meters);
			this.entries.put(operation, new Entry(limiter, quota, start, rejected));
			if (shared != null) {
				// The local share used while Redis is unreachable: limit / replicas last
				// seen.
				RateLimiterConfig share = RateLimiterConfig.from(config).limitForPeriod(shareOf(quota, shared)).build();
				this.shares.put(operation,
						new AtomicRateLimiter(operation.tag() + "-share-" + keyFingerprint, share, ticker::read));
				this.lastShared.put(operation, new AtomicReference<>());
			}
		}
	}

	/**
	 * The quota check to put in front of every call (and retry) of this operation: the
	 * Resilience4j operator on the local limiter, or a permit from the shared Redis log,
	 * falling back to this replica's share of the limit while Redis is unreachable.
	 */
	public <T> Function<Mono<T>, Mono<T>> guard(Operation operation) {
		SharedQuotaStore store = this.shared;
		if (store == null) {
			return local(operation, this.entries.get(operation).limiter());
		}
		RateLimitProperties.Quota quota = this.entries.get(operation).quota();
		return (call) -> Mono.defer(() -> {
			if (store.isDegraded()) {
				return call.transform(local(operation, share(operation, store)));
			}
			return store.acquire(operation, quota.limit(), quota.period())
				.map(Optional::of)
				.onErrorResume((failure) -> Mono.just(Optional.empty()))
				.flatMap((decision) -> {
					if (decision.isEmpty()) {
						return call.transform(local(operation, share(operation, store)));
					}
					this.lastShared.get(operation).set(decision.get());
					return decision.get().granted() ? call
							: Mono.error(rejected(operation, Snapshot.of(decision.get())));
				});
		});
	}

	private <T> Function<Mono<T>, Mono<T>> local(Operation operation, RateLimiter limiter) {
		return (call) -> call.transformDeferred(RateLimiterOperator.of(limiter))
			.onErrorMap(RequestNotPermitted.class, (ex) -> rejected(operation));
	}

	private RateLimiter share(Operation operation, SharedQuotaStore store) {
		AtomicRateLimiter share = this.shares.get(operation);
		int wanted = shareOf(this.entries.get(operation).quota(), store);
		if (share.getRateLimiterConfig().getLimitForPeriod() != wanted) {
			share.changeLimitForPeriod(wanted);
		}
		return share;
	}

	/**
	 * This replica's part of the limit while Redis is away: limit / replicas, at least 1.
	 */
	private static int shareOf(RateLimitProperties.Quota quota, SharedQuotaStore store) {
		return Math.max(1, quota.limit() / store.replicas());
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

	/** The quota's state now, for {@code RateLimit-*} headers. */
	public Snapshot snapshot(Operation operation) {
		SharedQuotaStore.Decision decision = (this.shared != null && !this.shared.isDegraded())
				? this.lastShared.get(operation).get() : null;
		if (decision != null) {
			return Snapshot.of(decision);
		}
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
