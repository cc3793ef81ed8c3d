package dev.portalgateway.caller;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.portalgateway.system.ClientKey;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Failed authentications allowed per client address, so that garbage tokens cannot buy
 * signature checks (an ES256 one costs over a millisecond) or log lines without limit.
 * <p>
 * Each address has {@code failures} per {@code per}, refilled evenly: a generic cell rate
 * algorithm (GCRA) with one number per address, the time at which its budget is whole
 * again ({@code full}). A failure moves it on by {@code per / failures}; the address is
 * over budget while {@code full} is more than {@code per} ahead. Addresses live in a
 * Caffeine cache of at most {@code max-addresses}, forgotten after {@code per} without a
 * failure (by then their budget is whole anyway) or, least recently used first, when more
 * addresses fail at once: memory is bounded, and a forgotten address only starts with a
 * whole budget again. IPv6 addresses count by their /64 network ({@link ClientKey}).
 * <p>
 * The address is the TCP peer's; behind a proxy that is the proxy, unless Spring's
 * {@code server.forward-headers-strategy} is set to trust its {@code X-Forwarded-For}.
 */
final class FailureBudget {

	private final long interval;

	private final long period;

	private final Ticker ticker;

	private final Cache<String, AtomicLong> full;

	FailureBudget(CallerProperties.FailureBudget properties, Ticker ticker, MeterRegistry meters) {
		this.period = properties.per().toNanos();
		this.interval = this.period / properties.failures();
		this.ticker = ticker;
		this.full = Caffeine.newBuilder()
			.ticker(ticker)
			.executor(ForkJoinPool.commonPool())
			.maximumSize(properties.maxAddresses())
			.expireAfterAccess(properties.per())
			.build();
		Gauge.builder("gateway.auth.failure.budget.addresses", this.full, Cache::estimatedSize)
			.description("Client addresses whose failed authentications are being counted")
			.register(meters);
	}

	/**
	 * How long until this address may fail again: zero while it has budget left.
	 */
	Duration exhausted(@Nullable InetSocketAddress client) {
		AtomicLong state = this.full.getIfPresent(ClientKey.of(client));
		if (state == null) {
			return Duration.ZERO;
		}
		long now = this.ticker.read();
		long over = Math.max(state.get(), now) + this.interval - now - this.period;
		return (over > 0) ? Duration.ofNanos(over) : Duration.ZERO;
	}

	/**
	 * Spends one failure of this address's budget, if it has one left.
	 * @return zero if it had one; else how long until it has one (nothing is spent)
	 */
	Duration spend(@Nullable InetSocketAddress client) {
		AtomicLong state = this.full.get(ClientKey.of(client), (address) -> new AtomicLong(Long.MIN_VALUE));
		while (true) {
			long now = this.ticker.read();
			long current = state.get();
			long next = Math.max(current, now) + this.interval;
			if (next - now > this.period) {
				return Duration.ofNanos(next - now - this.period);
			}
			if (state.compareAndSet(current, next)) {
				return Duration.ZERO;
			}
		}
	}

	/**
	 * Gives back a failure spent ahead of a check that then passed (a valid signature).
	 */
	void refund(@Nullable InetSocketAddress client) {
		AtomicLong state = this.full.getIfPresent(ClientKey.of(client));
		if (state != null) {
			state.addAndGet(-this.interval);
		}
	}

}
