package dev.portalgateway.workos;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the gateway retries WorkOS 429, 502, 503, 504 and connection faults, under
 * {@code gateway.retry}.
 *
 * @param maxRetries retries after the first attempt (3 means up to 4 calls)
 * @param firstBackoff the wait before the first retry when WorkOS sends no Retry-After
 * @param multiplier how much each further wait grows
 * @param maxBackoff the longest computed wait
 * @param jitter random spread of each computed wait, as a fraction (0.25 = ±25 %)
 * @param deadline how long one caller request may take in all; a wait that would cross it
 * is not taken and the caller is told when to come back instead
 * @param maxCooldown the longest pause a WorkOS {@code Retry-After} may impose on the
 * key; a longer one is cut to this (with a WARN line) and callers are never told more
 */
@ConfigurationProperties("gateway.retry")
public record RetryProperties(@DefaultValue("3") int maxRetries, @DefaultValue("500ms") Duration firstBackoff,
		@DefaultValue("2") double multiplier, @DefaultValue("8s") Duration maxBackoff,
		@DefaultValue("0.25") double jitter, @DefaultValue("10s") Duration deadline,
		@DefaultValue("5m") Duration maxCooldown) {

	public RetryProperties {
		if (maxRetries < 0 || maxRetries > 10) {
			throw new IllegalArgumentException("gateway.retry.max-retries must be between 0 and 10");
		}
		if (firstBackoff.isNegative() || firstBackoff.isZero()) {
			throw new IllegalArgumentException("gateway.retry.first-backoff must be positive");
		}
		if (multiplier < 1) {
			throw new IllegalArgumentException("gateway.retry.multiplier must be at least 1");
		}
		if (maxBackoff.compareTo(firstBackoff) < 0) {
			throw new IllegalArgumentException("gateway.retry.max-backoff must not be shorter than first-backoff");
		}
		if (jitter < 0 || jitter >= 1) {
			throw new IllegalArgumentException("gateway.retry.jitter must be at least 0 and below 1");
		}
		if (deadline.isNegative() || deadline.isZero()) {
			throw new IllegalArgumentException("gateway.retry.deadline must be positive");
		}
		if (maxCooldown.compareTo(Duration.ofSeconds(1)) < 0) {
			throw new IllegalArgumentException("gateway.retry.max-cooldown must be at least 1s");
		}
	}

}
