package dev.portalgateway.ratelimit;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;

/**
 * A Resilience4j rate limiter (fixed windows) that reads the gateway's {@link Ticker}.
 * <p>
 * This is the one place that uses Resilience4j's {@code internal} package: its public API
 * ({@code RateLimiter.of}) has no way to pass a clock, and {@link AtomicRateLimiter} (the
 * implementation {@code RateLimiter.of} returns) takes a nano-time source in its
 * constructor. With it the quotas run on the injected ticker, so the tests that check
 * them (UpstreamQuotasTests, the chain simulations) run on virtual time. An upgrade that
 * changes the constructor fails here, at compile time.
 */
final class LocalLimiter {

	private final AtomicRateLimiter limiter;

	private final Ticker ticker;

	private final long start;

	LocalLimiter(String name, int limit, Duration period, Duration maxWait, Ticker ticker) {
		RateLimiterConfig config = RateLimiterConfig.custom()
			.limitForPeriod(limit)
			.limitRefreshPeriod(period)
			.timeoutDuration(maxWait)
			.writableStackTraceEnabled(false)
			.build();
		this.limiter = new AtomicRateLimiter(name, config, ticker::read);
		this.ticker = ticker;
		this.start = ticker.read();
	}

	RateLimiter limiter() {
		return this.limiter;
	}

	/** Whether this limiter allows {@code share}. */
	boolean allows(LocalShares.Share share) {
		RateLimiterConfig config = this.limiter.getRateLimiterConfig();
		return config.getLimitForPeriod() == share.permits() && config.getLimitRefreshPeriod().equals(share.period());
	}

	/** The limiter now, for {@code RateLimit-*} headers. */
	QuotaSnapshot snapshot() {
		RateLimiterConfig config = this.limiter.getRateLimiterConfig();
		long period = config.getLimitRefreshPeriod().toNanos();
		long intoWindow = Math.floorMod(this.ticker.read() - this.start, period);
		int available = this.limiter.getMetrics().getAvailablePermissions();
		long nanosToWait = this.limiter.getDetailedMetrics().getNanosToWait();
		return new QuotaSnapshot(config.getLimitForPeriod(), Math.max(0, available),
				Duration.ofNanos(period - intoWindow),
				Duration.ofNanos(Math.max(nanosToWait, (available > 0) ? 0 : period - intoWindow)));
	}

}
