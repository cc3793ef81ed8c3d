package dev.portalgateway.workos;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.portalgateway.ratelimit.Operation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * The retry policy for WorkOS calls, in one place: which failures are retried, how long
 * to wait, and when to stop.
 * <ul>
 * <li>Retried: 429, 502, 503, 504, connection faults and timeouts; never another 4xx or a
 * 500 (WorkOS may have done the work; the idempotency key makes a retry safe, but a 500
 * usually repeats).</li>
 * <li>Wait: WorkOS's {@code Retry-After} when it sends one (at least 1 s, at most
 * {@code max-cooldown}), else exponential backoff with jitter:
 * {@code first × multiplier^n}, capped, spread by ±jitter (the "equal jitter" family from
 * the AWS Architecture Blog, "Exponential Backoff And Jitter").</li>
 * <li>Stop: after {@code max-retries}, or at once when the next wait would cross the
 * request's deadline; the caller is then told when to come back rather than held.</li>
 * </ul>
 */
class UpstreamRetry {

	private final RetryProperties properties;

	private final Ticker ticker;

	private final MeterRegistry meters;

	/** Where the jitter comes from; seeded in simulations so a run can be replayed. */
	private final Supplier<RandomGenerator> random;

	UpstreamRetry(RetryProperties properties, Ticker ticker, MeterRegistry meters) {
		this(properties, ticker, meters, ThreadLocalRandom::current);
	}

	UpstreamRetry(RetryProperties properties, Ticker ticker, MeterRegistry meters, Supplier<RandomGenerator> random) {
		this.properties = properties;
		this.ticker = ticker;
		this.meters = meters;
		this.random = random;
	}

	Duration deadline() {
		return this.properties.deadline();
	}

	/** The longest cool-down WorkOS's {@code Retry-After} may impose. */
	Duration maxCooldown() {
		return this.properties.maxCooldown();
	}

	/**
	 * A policy for one caller request whose deadline is at ticker time
	 * {@code deadlineNanos}.
	 */
	Retry until(long deadlineNanos, Operation operation) {
		return Retry.from((signals) -> signals.concatMap((signal) -> {
			if (!(signal.failure() instanceof UpstreamProblem problem) || !problem.retryable()
					|| signal.totalRetries() >= this.properties.maxRetries()) {
				return Mono.error(signal.failure());
			}
			Duration wait = (problem.retryAfter() != null) ? problem.retryAfter() : backoff(signal.totalRetries());
			if (this.ticker.read() + wait.toNanos() > deadlineNanos) {
				return Mono.error(problem.deadlineReached(wait));
			}
			Counter.builder("workos.client.retries")
				.description("Calls to WorkOS repeated after a retryable failure")
				.tag("operation", operation.tag())
				.tag("cause", problem.cause())
				.register(this.meters)
				.increment();
			return Mono.delay(wait).thenReturn(signal.totalRetries());
		}));
	}

	/** The computed wait before retry number {@code retry} (0 for the first). */
	Duration backoff(long retry) {
		double base = this.properties.firstBackoff().toNanos() * Math.pow(this.properties.multiplier(), retry);
		double capped = Math.min(base, this.properties.maxBackoff().toNanos());
		double jitter = this.properties.jitter();
		double spread = (jitter > 0) ? this.random.get().nextDouble(1 - jitter, 1 + jitter) : 1;
		return Duration.ofNanos((long) (capped * spread));
	}

}
