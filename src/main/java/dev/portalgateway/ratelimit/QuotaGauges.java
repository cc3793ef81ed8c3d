package dev.portalgateway.ratelimit;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

/**
 * The quota gauges per operation: {@code gateway.ratelimit.limit},
 * {@code .available.permits} and {@code .reset}. With the Redis store they show the
 * shared log's last answer to this replica (if it came within one period), else the local
 * quota now.
 */
final class QuotaGauges {

	private final Map<Operation, RateLimitProperties.Quota> quotas;

	private final boolean shared;

	private final Ticker ticker;

	private final Function<Operation, QuotaSnapshot> local;

	private final Map<Operation, AtomicReference<@Nullable LastAnswer>> lastShared = new EnumMap<>(Operation.class);

	QuotaGauges(Map<Operation, RateLimitProperties.Quota> quotas, boolean shared, Ticker ticker,
			Function<Operation, QuotaSnapshot> local, MeterRegistry meters) {
		this.quotas = quotas;
		this.shared = shared;
		this.ticker = ticker;
		this.local = local;
		quotas.forEach((operation, quota) -> {
			this.lastShared.put(operation, new AtomicReference<>());
			Gauge.builder("gateway.ratelimit.available.permits", this, (gauges) -> gauges.available(operation))
				.description("Calls to WorkOS the gateway may still make in the current window"
						+ " (with the Redis store: as the shared log last answered this replica)")
				.tag("operation", operation.tag())
				.register(meters);
			Gauge.builder("gateway.ratelimit.limit", quota, (configured) -> configured.limit())
				.description("Calls to WorkOS allowed per period, for all replicas together")
				.tag("operation", operation.tag())
				.register(meters);
			Gauge.builder("gateway.ratelimit.reset", this, (gauges) -> gauges.untilAPermitFrees(operation))
				.description("Time until the oldest call in the window leaves it and a permit frees up")
				.tag("operation", operation.tag())
				.baseUnit("seconds")
				.register(meters);
		});
	}

	/** The shared log answered this replica. */
	void answered(Operation operation, QuotaSnapshot snapshot) {
		this.lastShared.get(operation).set(new LastAnswer(snapshot, this.ticker.read()));
	}

	private double available(Operation operation) {
		LastAnswer last = recentSharedAnswer(operation);
		if (last != null) {
			return last.snapshot().remaining();
		}
		// With the Redis store and no answer in the last period: nothing this replica
		// knows of is in use.
		return this.shared ? this.quotas.get(operation).limit() : this.local.apply(operation).remaining();
	}

	private double untilAPermitFrees(Operation operation) {
		LastAnswer last = recentSharedAnswer(operation);
		if (last != null) {
			long left = last.snapshot().reset().toNanos() - (this.ticker.read() - last.at());
			return Math.max(0, left) / 1e9;
		}
		return this.shared ? 0 : this.local.apply(operation).reset().toNanos() / 1e9;
	}

	/** The shared log's last answer to this replica, if it came within one period. */
	private @Nullable LastAnswer recentSharedAnswer(Operation operation) {
		LastAnswer last = this.lastShared.get(operation).get();
		if (last == null || this.ticker.read() - last.at() >= this.quotas.get(operation).period().toNanos()) {
			return null;
		}
		return last;
	}

	/** An answer of the shared log, and when it came (ticker time). */
	private record LastAnswer(QuotaSnapshot snapshot, long at) {
	}

}
