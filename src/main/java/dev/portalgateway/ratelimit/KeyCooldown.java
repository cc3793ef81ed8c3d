package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

/**
 * The WorkOS key's cool-down: after WorkOS answers 429 with {@code Retry-After: N}, no
 * request for the key goes to WorkOS for N seconds. Requests that can wait within their
 * deadline wait; the others are answered 429 with the time left. This stops a herd of
 * retries hammering a key WorkOS has just throttled.
 */
public class KeyCooldown {

	private static final Log logger = LogFactory.getLog(KeyCooldown.class);

	private final Ticker ticker;

	/** Ticker time at which the cool-down ends; in the past when there is none. */
	private final AtomicLong untilNanos;

	private final Map<Operation, Counter> rejected = new EnumMap<>(Operation.class);

	private final @Nullable SharedQuotaStore shared;

	/**
	 * Set by a WorkOS 429, cleared by any other answer: the next call after the cool-down
	 * is a probe, and only one probe goes out at a time.
	 */
	private final AtomicBoolean probeNeeded = new AtomicBoolean();

	/**
	 * The probe out now, if any. A lease, not a flag: it is released when the attempt it
	 * guards ends on any path ({@link #guard}'s {@code usingWhen}), and it expires by
	 * itself just after the request's deadline, so no path can leave the key wedged.
	 */
	private final AtomicReference<@Nullable ProbeLease> probe = new AtomicReference<>();

	/** How often callers waiting behind a probe look again. */
	static final Duration PROBE_RECHECK = Duration.ofMillis(100);

	/**
	 * How long after its request's deadline an unreleased probe lease expires. A probe
	 * still running at its deadline is being timed out and gives the lease back as it
	 * ends; the expiry is only the safety net for a lease no path gave back, and it must
	 * not hand the probe to the next call while the timed-out one is still ending (at the
	 * same instant, or a timer tick later).
	 */
	static final Duration LEASE_GRACE = Duration.ofMillis(100);

	public KeyCooldown(Ticker ticker, MeterRegistry meters) {
		this(ticker, meters, null);
	}

	/**
	 * @param shared the Redis store when cool-downs are shared by all replicas, else null
	 */
	public KeyCooldown(Ticker ticker, MeterRegistry meters, @Nullable SharedQuotaStore shared) {
		this.ticker = ticker;
		this.shared = shared;
		this.untilNanos = new AtomicLong(ticker.read());
		for (Operation operation : Operation.values()) {
			this.rejected.put(operation, Refusals.counter(meters, operation, "cooldown"));
		}
		Gauge.builder("gateway.ratelimit.cooldown.active", this, (cooldown) -> cooldown.isActive() ? 1 : 0)
			.description("1 while WorkOS has asked the gateway to stop calling with its key")
			.register(meters);
	}

	/** Starts (or lengthens, never shortens) the cool-down. */
	public void coolDown(Duration duration) {
		long until = this.ticker.read() + duration.toNanos();
		this.probeNeeded.set(true);
		long previous = this.untilNanos.getAndAccumulate(until, Math::max);
		if (previous < until && previous <= this.ticker.read()) {
			logger.warn(
					"WorkOS asked for a cool-down of " + duration.toSeconds() + " s: holding all calls with this key");
		}
	}

	/**
	 * Starts the cool-down here and tells the other replicas (through Redis, when quotas
	 * are shared); completes once they can see it, so the caller's 429 never outruns it,
	 * or once {@code budget} (what is left of the request's deadline) is spent. If Redis
	 * is down they learn of the 429 from WorkOS themselves.
	 */
	public Mono<Void> coolDownEverywhere(Duration duration, Duration budget) {
		coolDown(duration);
		SharedQuotaStore store = this.shared;
		if (store == null || store.isDegraded()) {
			return Mono.empty();
		}
		return store.coolDown(duration, budget).onErrorResume((failure) -> {
			logger.warn("Could not share the cool-down through Redis (" + failure.getClass().getSimpleName()
					+ "): the other replicas learn of it from WorkOS");
			return Mono.empty();
		}).then();
	}

	/** WorkOS answered with something other than 429: the key works again. */
	public void keyWorks() {
		this.probeNeeded.set(false);
	}

	public Duration remaining() {
		return Duration.ofNanos(Math.max(0, this.untilNanos.get() - this.ticker.read()));
	}

	public boolean isActive() {
		return !remaining().isZero();
	}

	/**
	 * Runs {@code attempt} once the key may be used: at once, after the cool-down if it
	 * ends within {@code patience}, or not at all, failing with a 429 problem that tells
	 * the caller when to come back. After a cool-down the attempt may be the one probe;
	 * its lease is released when the attempt ends, whichever way it ends (answered,
	 * refused by the quota, failed, timed out or cancelled).
	 */
	public <T> Mono<T> guard(Duration patience, Operation operation, Mono<T> attempt) {
		long deadline = this.ticker.read() + patience.toNanos();
		return Mono.usingWhen(awaitWithin(patience, operation, deadline), (pass) -> attempt, Pass::release,
				(pass, failure) -> pass.release(), Pass::release);
	}

	/**
	 * Completes when the key may be used (see {@link #guard}); a probe it lets through is
	 * released by {@link #guard}, or by itself at the deadline.
	 */
	Mono<Pass> awaitWithin(Duration patience, Operation operation) {
		return awaitWithin(patience, operation, this.ticker.read() + patience.toNanos());
	}

	private Mono<Pass> awaitWithin(Duration patience, Operation operation, long deadline) {
		SharedQuotaStore store = this.shared;
		if (store == null || store.isDegraded()) {
			return awaitWithin(remaining(), patience, operation, deadline);
		}
		return store.cooldownRemaining(patience)
			// Redis did not say in time: there may be a cool-down. Look again shortly (or
			// tell the caller to), as if one were running; never assume there is none.
			.onErrorResume((failure) -> Mono.just(store.isDegraded() ? Duration.ZERO : PROBE_RECHECK))
			.flatMap((elsewhere) -> {
				if (!elsewhere.isZero()) {
					// Another replica saw the 429 (or Redis is unsure): probe here too
					// when it ends.
					this.probeNeeded.set(true);
				}
				// What is left by the clock: asking Redis took time (up to redis-timeout
				// each time round, with Redis slow).
				return awaitWithin(max(remaining(), elsewhere), left(deadline), operation, deadline);
			});
	}

	private Duration left(long deadline) {
		return Duration.ofNanos(Math.max(0, deadline - this.ticker.read()));
	}

	private static Duration max(Duration one, Duration other) {
		return (one.compareTo(other) >= 0) ? one : other;
	}

	/**
	 * Lets the call go when the key is free, waits (and looks again) when the wait leaves
	 * time for the call itself, else answers 429. After a cool-down only one call probes
	 * WorkOS; the others wait for its answer instead of all going at once.
	 */
	private Mono<Pass> awaitWithin(Duration remaining, Duration patience, Operation operation, long deadline) {
		Duration wait = remaining;
		if (remaining.isZero()) {
			if (!this.probeNeeded.get()) {
				return Mono.just(Pass.FREE);
			}
			ProbeLease lease = takeProbe(deadline);
			if (lease != null) {
				return Mono.just(lease);
			}
			wait = PROBE_RECHECK;
		}
		// Waiting only makes sense if time is left afterwards to call WorkOS.
		Duration callBudget = min(patience.dividedBy(2), Duration.ofSeconds(1));
		if (wait.plus(callBudget).compareTo(patience) <= 0) {
			return Mono.delay(wait).then(Mono.defer(() -> awaitWithin(left(deadline), operation, deadline)));
		}
		this.rejected.get(operation).increment();
		return Mono.error(new GatewayProblem(ProblemCode.RATE_LIMITED,
				"WorkOS asked the gateway to pause; come back after the Retry-After delay.")
			.withRetryAfter(wait));
	}

	/** The probe lease, if no other is out (or the one out has expired). */
	private @Nullable ProbeLease takeProbe(long deadline) {
		long now = this.ticker.read();
		ProbeLease current = this.probe.get();
		if (current != null && current.expiresAt() - now > 0) {
			return null;
		}
		ProbeLease lease = new ProbeLease(this, Math.max(deadline, now) + LEASE_GRACE.toNanos());
		return this.probe.compareAndSet(current, lease) ? lease : null;
	}

	/** Whether a call is out probing WorkOS after a cool-down now. */
	public boolean probing() {
		ProbeLease current = this.probe.get();
		return current != null && current.expiresAt() - this.ticker.read() > 0;
	}

	private static Duration min(Duration one, Duration other) {
		return (one.compareTo(other) <= 0) ? one : other;
	}

	/** What a call holds while it uses the key: nothing, or the probe lease. */
	sealed interface Pass permits FreePass, ProbeLease {

		Pass FREE = new FreePass();

		/** Gives back what was taken; safe to call more than once. */
		Mono<Void> release();

	}

	private record FreePass() implements Pass {

		@Override
		public Mono<Void> release() {
			return Mono.empty();
		}

	}

	/**
	 * The one probe after a cool-down, until it ends or {@code expiresAt} (ticker time:
	 * its request's deadline plus {@link #LEASE_GRACE}).
	 */
	private record ProbeLease(KeyCooldown owner, long expiresAt) implements Pass {

		@Override
		public Mono<Void> release() {
			return Mono.fromRunnable(() -> this.owner.probe.compareAndSet(this, null));
		}

	}

}
