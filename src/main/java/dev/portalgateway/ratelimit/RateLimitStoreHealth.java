package dev.portalgateway.ratelimit;

import reactor.core.publisher.Mono;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Health contributor {@code rateLimitStore}: {@code UP} while quotas are shared through
 * Redis, {@code DEGRADED} while each replica enforces its local share. For dashboards
 * only: it is in neither the liveness nor the readiness group, so a Redis outage never
 * takes pods out of service.
 */
public class RateLimitStoreHealth implements ReactiveHealthIndicator {

	/** Reported while Redis is unreachable. */
	public static final Status DEGRADED = new Status("DEGRADED", "Quotas are enforced per replica");

	private final SharedQuotaStore store;

	public RateLimitStoreHealth(SharedQuotaStore store) {
		this.store = store;
	}

	@Override
	public Mono<Health> health() {
		Health.Builder health = this.store.isDegraded() ? Health.status(DEGRADED) : Health.up();
		return Mono.just(health.withDetail("replicas", this.store.replicas()).build());
	}

}
