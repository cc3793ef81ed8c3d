package dev.portalgateway.ratelimit;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationStyle;

/**
 * How many calls per operation the gateway makes to WorkOS with its key, under
 * {@code gateway.rate-limit}.
 *
 * @param portalLinks the quota for {@code POST /portal/generate_link} (default 100 per 60
 * s)
 * @param providerIcons the quota for the provider icon list (default 1,000 per 60 s)
 * @param store {@code local} (default) or {@code redis} (one budget for all replicas)
 * @param expectedReplicas with Redis unreachable, each replica allows limit / N, N being
 * the replicas last seen; this is N before any was seen (default 1)
 * @param redisTimeout how long a Redis command may take before the replica falls back to
 * its local share (default 50 ms)
 */
@ConfigurationProperties("gateway.rate-limit")
public record RateLimitProperties(Quota portalLinks, Quota providerIcons, @DefaultValue("local") Store store,
		@DefaultValue("1") int expectedReplicas, @DefaultValue(DEFAULT_REDIS_TIMEOUT) Duration redisTimeout) {

	static final String DEFAULT_REDIS_TIMEOUT = "50ms";

	@ConstructorBinding
	public RateLimitProperties {
		// The two quotas are one type with two default limits, which @DefaultValue cannot
		// say: their absent values are filled in here.
		portalLinks = Quota.withDefaults(portalLinks, 100, "gateway.rate-limit.portal-links");
		providerIcons = Quota.withDefaults(providerIcons, 1000, "gateway.rate-limit.provider-icons");
		if (expectedReplicas < 1) {
			throw new IllegalArgumentException("gateway.rate-limit.expected-replicas must be at least 1");
		}
		if (redisTimeout.toMillis() < 1) {
			throw new IllegalArgumentException("gateway.rate-limit.redis-timeout must be at least 1ms");
		}
	}

	/** Local quotas only, with the defaults for the rest; for tests and tools. */
	public RateLimitProperties(@Nullable Quota portalLinks, @Nullable Quota providerIcons) {
		this(portalLinks, providerIcons, Store.LOCAL, 1, DurationStyle.detectAndParse(DEFAULT_REDIS_TIMEOUT));
	}

	/**
	 * Where quotas are counted.
	 */
	public enum Store {

		/** In each replica (Resilience4j): N replicas allow N times the limit. */
		LOCAL,

		/** In Redis, shared by all replicas, exact over any window. */
		REDIS

	}

	public Quota quota(Operation operation) {
		return (operation == Operation.PORTAL_LINKS) ? this.portalLinks : this.providerIcons;
	}

	/**
	 * One operation's quota: a fixed window of {@code period} with {@code limit} permits.
	 *
	 * @param limit calls allowed per period (at least 1)
	 * @param period the length of one window (default 60 s)
	 * @param maxWait how long a request may wait for a permit before it is answered 429
	 * (default 0: answer at once)
	 */
	public record Quota(Integer limit, Duration period, Duration maxWait) {

		@SuppressWarnings("NullAway")
		static Quota withDefaults(@Nullable Quota quota, int defaultLimit, String prefix) {
			Integer limit = (quota != null && quota.limit() != null) ? quota.limit() : defaultLimit;
			Duration period = (quota != null && quota.period() != null) ? quota.period() : Duration.ofSeconds(60);
			Duration maxWait = (quota != null && quota.maxWait() != null) ? quota.maxWait() : Duration.ZERO;
			if (limit < 1) {
				throw new IllegalArgumentException(prefix + ".limit must be at least 1");
			}
			if (period.toMillis() < 1) {
				throw new IllegalArgumentException(prefix + ".period must be at least 1ms");
			}
			if (maxWait.isNegative()) {
				throw new IllegalArgumentException(prefix + ".max-wait must not be negative");
			}
			return new Quota(limit, period, maxWait);
		}

	}

}
