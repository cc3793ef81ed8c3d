package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

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

	private final Ticker ticker;

	public UpstreamQuotas(RateLimitProperties properties, String keyFingerprint, Ticker ticker, MeterRegistry meters) {
		this.ticker = ticker;
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

	/** The quota's state now, for {@code RateLimit-*} headers. */
	public Snapshot snapshot(Operation operation) {
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
		this.entries.get(operation).rejected().increment();
		Snapshot snapshot = snapshot(operation);
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

		/**
		 * Adds {@code RateLimit-Limit}, {@code -Remaining} and {@code -Reset} (whole
		 * seconds).
		 */
		public void addTo(HttpHeaders headers) {
			headers.set("RateLimit-Limit", Integer.toString(this.limit));
			headers.set("RateLimit-Remaining", Integer.toString(this.remaining));
			headers.set("RateLimit-Reset", Long.toString(Math.max(1, (this.reset.toMillis() + 999) / 1000)));
		}

	}

	private record Entry(AtomicRateLimiter limiter, RateLimitProperties.Quota quota, long start, Counter rejected) {
	}

}
