package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.resilience4j.ratelimiter.RateLimiter;

/**
 * This replica's part of each limit while the Redis store is degraded: the link budget
 * shared fairly among callers, a Resilience4j limiter for each other operation. Each is
 * made again when the replica count changes.
 */
final class LocalShares {

	private final Map<Operation, RateLimitProperties.Quota> quotas;

	private final SharedQuotaStore store;

	private final Ticker ticker;

	private final String keyFingerprint;

	private final AtomicReference<SharedLinks> links;

	private final Map<Operation, AtomicReference<LocalLimiter>> limiters = new EnumMap<>(Operation.class);

	LocalShares(Map<Operation, RateLimitProperties.Quota> quotas, SharedQuotaStore store, String keyFingerprint,
			Ticker ticker) {
		this.quotas = quotas;
		this.store = store;
		this.ticker = ticker;
		this.keyFingerprint = keyFingerprint;
		this.links = new AtomicReference<>(links(share(Operation.PORTAL_LINKS)));
		for (Operation operation : Operation.values()) {
			if (operation != Operation.PORTAL_LINKS) {
				this.limiters.put(operation, new AtomicReference<>(limiter(operation, share(operation))));
			}
		}
	}

	/** This replica's fair share of the link budget. */
	FairShare links() {
		Share wanted = share(Operation.PORTAL_LINKS);
		SharedLinks current = this.links.get();
		if (current.share().equals(wanted)) {
			return current.budget();
		}
		SharedLinks replaced = links(wanted);
		return this.links.compareAndSet(current, replaced) ? replaced.budget() : this.links.get().budget();
	}

	/** This replica's limiter for an operation other than links. */
	RateLimiter limiter(Operation operation) {
		AtomicReference<LocalLimiter> current = this.limiters.get(operation);
		LocalLimiter limiter = current.get();
		Share wanted = share(operation);
		if (!limiter.allows(wanted)) {
			LocalLimiter replaced = limiter(operation, wanted);
			return current.compareAndSet(limiter, replaced) ? replaced.limiter() : current.get().limiter();
		}
		return limiter.limiter();
	}

	private Share share(Operation operation) {
		return Share.of(this.quotas.get(operation), this.store.replicas());
	}

	private static SharedLinks links(Share share) {
		return new SharedLinks(share, new FairShare(share.permits(), share.period()));
	}

	private LocalLimiter limiter(Operation operation, Share share) {
		return new LocalLimiter(operation.tag() + "-share-" + this.keyFingerprint, share.permits(), share.period(),
				this.quotas.get(operation).maxWait(), this.ticker);
	}

	private record SharedLinks(Share share, FairShare budget) {
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

}
