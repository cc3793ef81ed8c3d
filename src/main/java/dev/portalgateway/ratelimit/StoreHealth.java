package dev.portalgateway.ratelimit;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Whether the store can be trusted with the shared budget. It is <em>degraded</em>
 * (callers fall back to a local share of the limit) when a heartbeat fails, or after
 * {@link #DEGRADE_AFTER} commands in a row failed outright; it is healthy again when a
 * command or heartbeat succeeds. Each transition is logged once and counted.
 */
final class StoreHealth {

	private static final Log logger = LogFactory.getLog(SharedQuotaStore.class);

	/** Commands in a row that failed outright before the store counts as degraded. */
	static final int DEGRADE_AFTER = 3;

	private final AtomicBoolean degraded = new AtomicBoolean();

	private final AtomicInteger consecutiveFailures = new AtomicInteger();

	private final Counter degradations;

	StoreHealth(MeterRegistry meters) {
		this.degradations = Counter.builder("gateway.ratelimit.store.degradations")
			.description("Times the replica lost Redis and fell back to its local share")
			.register(meters);
		Gauge.builder("gateway.ratelimit.store.degraded", this, (health) -> health.isDegraded() ? 1 : 0)
			.description("1 while Redis is unreachable and each replica enforces its local share")
			.register(meters);
	}

	boolean isDegraded() {
		return this.degraded.get();
	}

	/** A command or heartbeat succeeded. */
	void healthy() {
		this.consecutiveFailures.set(0);
		if (this.degraded.compareAndSet(true, false)) {
			logger.warn("Redis is reachable again: WorkOS quotas are shared by all replicas again");
		}
	}

	/** A command failed outright: the {@link #DEGRADE_AFTER}th in a row degrades. */
	void failedOutright(Throwable failure, int replicas) {
		if (this.consecutiveFailures.incrementAndGet() >= DEGRADE_AFTER) {
			degradeNow(failure, replicas);
		}
	}

	/** A heartbeat failed, or Redis was not there at startup. */
	void degradeNow(Throwable failure, int replicas) {
		if (this.degraded.compareAndSet(false, true)) {
			this.degradations.increment();
			logger.warn("Redis is unreachable (" + failure.getClass().getSimpleName()
					+ "): each replica now enforces its local share of the WorkOS quotas (limit / " + replicas + ")");
		}
	}

}
