package dev.portalgateway.ratelimit;

import reactor.core.publisher.Mono;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Health contributor {@code rateLimitStore}: {@code UP} while quotas are shared through
 * Redis, {@code DEGRADED} while each replica enforces its local share; details say the
 * topology ({@code standalone}, {@code sentinel}, {@code cluster}) and the replicas
 * sharing the budget. For dashboards only: it is in neither the liveness nor the
 * readiness group, so a Redis outage never takes pods out of service.
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
		// The topology's name only: never node addresses, which may sit next to
		// credentials.
		return Mono.just(health.withDetail("topology", this.store.topology())
			.withDetail("replicas", this.store.replicas())
			.build());
	}

}
