package dev.portalgateway;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Ticker;
import reactor.test.scheduler.VirtualTimeScheduler;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/**
 * A {@link Ticker} that moves only when told to, for deterministic quota, cool-down and
 * cache tests.
 */
public final class ManualTicker implements Ticker {

	private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

	@Override
	public long read() {
		return this.nanos.get();
	}

	public void advance(Duration duration) {
		this.nanos.addAndGet(duration.toNanos());
	}

	/**
	 * Puts a {@link ManualTicker} in a gateway's context in place of the system ticker,
	 * for integration tests that run at the default intervals and move time instead of
	 * waiting ({@code @Import(ManualTicker.InContext.class)}).
	 */
	@TestConfiguration(proxyBeanMethods = false)
	public static class InContext {

		@Bean
		@Primary
		ManualTicker manualTicker() {
			return new ManualTicker();
		}

	}

	/**
	 * A ticker that reads Reactor's virtual time, for
	 * {@code StepVerifier.withVirtualTime}.
	 */
	public static Ticker virtualTime() {
		return () -> VirtualTimeScheduler.get().now(TimeUnit.NANOSECONDS);
	}

}
