package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import dev.portalgateway.system.Uuids;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.resource.ClientResources;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

import org.springframework.boot.ssl.SslBundle;

/**
 * Quotas and the cool-down kept in Redis, so all replicas share one WorkOS budget.
 * <p>
 * Keys carry the key fingerprint as a hash tag ({@code {gw:ab12cd34}:…}) so one key's
 * data stays on one Redis Cluster slot. Its parts: the connection ({@link RedisSession}),
 * the scripts ({@link RedisScripts}), whether Redis can be trusted ({@link StoreHealth})
 * and the replicas' heartbeats ({@link Heartbeats}); this class holds the commands. A
 * command that fails outright counts towards degrading the store; one that is merely
 * slower than {@code redis-timeout} makes the store check Redis at once with a heartbeat,
 * so one slow answer under load does not give away the shared budget, while a Redis that
 * hangs is found within a heartbeat's timeout.
 */
public class SharedQuotaStore {

	private final RedisSession session;

	private final StoreHealth health;

	private final Heartbeats heartbeats;

	private final String prefix;

	private final Duration timeout;

	/**
	 * Connects at once (this runs at startup, off the event loops); if Redis is not there
	 * yet the store starts degraded and heartbeats connect it later, asynchronously.
	 * {@code tls} is the bundle {@code spring.data.redis.ssl.bundle} names, if any.
	 */
	public SharedQuotaStore(RedisProperties redis, @Nullable SslBundle tls, String keyFingerprint, int expectedReplicas,
			Duration timeout, MeterRegistry meters) {
		this((resources) -> RedisConnector.of(redis, tls, resources), redis.connectTimeout(), keyFingerprint,
				expectedReplicas, timeout, meters);
	}

	/** A store on one Redis at {@code uri} (tests). */
	SharedQuotaStore(RedisURI uri, Duration connectTimeout, String keyFingerprint, int expectedReplicas,
			Duration timeout, MeterRegistry meters) {
		this((resources) -> RedisConnector.single(uri, resources, connectTimeout), connectTimeout, keyFingerprint,
				expectedReplicas, timeout, meters);
	}

	/** A store on the Redis the connector reaches (and tests' own connectors). */
	SharedQuotaStore(Function<ClientResources, RedisConnector> connector, Duration connectTimeout,
			String keyFingerprint, int expectedReplicas, Duration timeout, MeterRegistry meters) {
		this.prefix = "{gw:" + keyFingerprint + "}:";
		this.timeout = timeout;
		this.session = new RedisSession(connector);
		this.health = new StoreHealth(meters);
		this.heartbeats = new Heartbeats(this.session, this.health, this.prefix + "replicas", expectedReplicas, timeout,
				meters);
		Throwable notConnected = this.session.connectAtStartup(connectTimeout);
		if (notConnected != null) {
			this.health.degradeNow(notConnected, replicas());
		}
	}

	/** Runs a script on the current connection. */
	private <T> Flux<T> eval(RedisScripts script, ScriptOutputType type, String[] keys, String... args) {
		return this.session.commands().flatMapMany((redis) -> script.<T>eval(redis, type, keys, args));
	}

	/**
	 * Takes a permit from the shared log of this operation, if one is free. Asking again
	 * with the same {@code permitId} never takes a second permit: an answer lost to a
	 * timeout can be asked for again.
	 */
	Mono<StoreDecision> acquire(Operation operation, int limit, Duration window, String permitId) {
		return acquire(operation, limit, window, permitId, this.timeout);
	}

	/**
	 * Takes a permit (see above), waiting at most {@code patience} if that is shorter
	 * than {@code redis-timeout}.
	 */
	Mono<StoreDecision> acquire(Operation operation, int limit, Duration window, String permitId, Duration patience) {
		return this
			.<List<Long>>eval(RedisScripts.WINDOW, ScriptOutputType.MULTI,
					new String[] { this.prefix + "quota:" + operation.tag() }, Integer.toString(limit),
					Long.toString(window.toMillis()), permitId)
			.next()
			.timeout(min(this.timeout, patience))
			.map((answer) -> StoreDecision.read(limit, answer))
			.doOnNext((decision) -> this.health.healthy())
			.doOnError(this::failed);
	}

	/**
	 * Takes a permit from the fair share of the link budget for {@code claimant} (see
	 * {@code fair-share.lua}), waiting at most {@code patience} if that is shorter than
	 * {@code redis-timeout}. Asking again with the same {@code permitId} never takes a
	 * second permit.
	 */
	Mono<FairDecision> acquireFair(int limit, Duration window, String permitId, Duration patience,
			FairShare.Claimant claimant) {
		return this
			.<List<Long>>eval(RedisScripts.FAIR, ScriptOutputType.MULTI, fairKeys(), Integer.toString(limit),
					Long.toString(window.toMillis()), permitId, claimant.name(), Integer.toString(claimant.weight()),
					Integer.toString(claimant.maxLinks()))
			.next()
			.timeout(min(this.timeout, patience))
			.map((answer) -> FairDecision.read(limit, answer))
			.doOnNext((decision) -> this.health.healthy())
			.doOnError(this::failed);
	}

	private String[] fairKeys() {
		String key = this.prefix + "quota:" + Operation.PORTAL_LINKS.tag();
		return new String[] { key, key + ":asked", key + ":claims" };
	}

	/**
	 * The fair share of the link budget as Redis holds it now, for the {@code quotas}
	 * endpoint.
	 */
	Mono<FairShare.View> fairView(int limit, Duration window) {
		return this
			.<List<Object>>eval(RedisScripts.FAIR_VIEW, ScriptOutputType.MULTI, fairKeys(),
					Long.toString(window.toMillis()))
			.next()
			.timeout(this.timeout)
			.map((answer) -> FairDecision.view(limit, window, answer));
	}

	/** Takes a permit under a fresh id (tests). */
	Mono<StoreDecision> acquire(Operation operation, int limit, Duration window) {
		return acquire(operation, limit, window, Uuids.random());
	}

	/**
	 * Starts or lengthens the shared cool-down; completes with what is left of it once
	 * Redis holds it. A try that fails or is slow is repeated (lengthening is idempotent)
	 * for up to {@link #COOLDOWN_WRITE_TRIES} tries while the store is not degraded, so a
	 * caller's 429 does not outrun the other replicas' knowledge of it.
	 */
	Mono<Duration> coolDown(Duration duration) {
		return coolDown(duration, Duration.ofSeconds(1));
	}

	/** Writes the cool-down as above, giving up once {@code budget} is spent. */
	Mono<Duration> coolDown(Duration duration, Duration budget) {
		return Mono
			.defer(() -> this
				.<Long>eval(RedisScripts.COOLDOWN, ScriptOutputType.INTEGER, new String[] { this.prefix + "cooldown" },
						Long.toString(duration.toMillis()))
				.next()
				.timeout(this.timeout))
			.map(Duration::ofMillis)
			.doOnNext((left) -> this.health.healthy())
			.doOnError(this::failed)
			.retryWhen(Retry.fixedDelay(COOLDOWN_WRITE_TRIES - 1, COOLDOWN_WRITE_PAUSE)
				.filter((failure) -> !isDegraded())
				.onRetryExhaustedThrow((spec, signal) -> signal.failure()))
			.timeout(budget);
	}

	/** How often a cool-down write is tried before the caller is answered anyway. */
	static final int COOLDOWN_WRITE_TRIES = 8;

	static final Duration COOLDOWN_WRITE_PAUSE = Duration.ofMillis(25);

	/** What is left of the shared cool-down (zero when there is none). */
	Mono<Duration> cooldownRemaining() {
		return cooldownRemaining(this.timeout);
	}

	/**
	 * What is left of the shared cool-down, waiting at most {@code patience} if that is
	 * shorter than {@code redis-timeout}.
	 */
	Mono<Duration> cooldownRemaining(Duration patience) {
		return this.session.commands()
			.flatMap((redis) -> redis.pttl(this.prefix + "cooldown"))
			.timeout(min(this.timeout, patience))
			.map((left) -> (left > 0) ? Duration.ofMillis(left) : Duration.ZERO)
			.defaultIfEmpty(Duration.ZERO)
			.doOnError(this::failed);
	}

	/** One heartbeat now (tests; {@link #startHeartbeats} runs them). */
	Mono<Integer> heartbeat() {
		return this.heartbeats.beat();
	}

	public void startHeartbeats() {
		this.heartbeats.start();
	}

	/** Stops the heartbeats, leaves the replica count and closes the connection. */
	public void stopHeartbeats() {
		this.heartbeats.stop();
		this.session.close(this.heartbeats::leave);
	}

	/** Whether the client's own event loops and timers have stopped (after a close). */
	boolean isClosed() {
		return this.session.isClosed();
	}

	/** {@code standalone}, {@code sentinel} or {@code cluster}. */
	public String topology() {
		return this.session.topology();
	}

	public boolean isDegraded() {
		return this.health.isDegraded();
	}

	/** The replicas sharing the budget: last seen in Redis, never fewer than expected. */
	public int replicas() {
		return this.heartbeats.replicas();
	}

	/**
	 * One failed or slow command. A slow one asks for a heartbeat now (one at a time),
	 * whose failure degrades the store; {@link StoreHealth#DEGRADE_AFTER} outright
	 * failures in a row degrade it at once.
	 */
	private void failed(Throwable failure) {
		this.session.leaveIfReplica(failure);
		if (failure instanceof TimeoutException) {
			this.heartbeats.checkNow();
		}
		else {
			this.health.failedOutright(failure, replicas());
		}
	}

	private static Duration min(Duration one, Duration other) {
		return (one.compareTo(other) <= 0) ? one : other;
	}

}
