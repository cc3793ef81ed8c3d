package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.portalgateway.system.Uuids;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Each replica says it is alive every {@link #HEARTBEAT} and reads how many are (the
 * local shares divide the limit by that count); a failed heartbeat degrades the store,
 * and a degraded store tries every second until Redis answers again.
 * <p>
 * After {@link #RECONNECT_AFTER} failed heartbeats in a row the connection is dropped and
 * the next heartbeat opens a new one, so that recovering never depends on one
 * connection's own recovery alone: a connection whose peer vanished without a word (a
 * node gone, a firewall's idle timeout; TCP notices only after many minutes) never
 * answers again, and a cluster client whose topology refreshes stopped (seen once in
 * {@code ClusterIntegrationTests} on a busy machine, after a failover) keeps sending to
 * the dead master. A new connection to a cluster reads the topology first.
 */
final class Heartbeats {

	private static final Log logger = LogFactory.getLog(SharedQuotaStore.class);

	/** How often each replica says it is alive, and how long that counts. */
	static final Duration HEARTBEAT = Duration.ofSeconds(5);

	static final Duration HEARTBEAT_TTL = Duration.ofSeconds(15);

	/** Failed heartbeats in a row after which the connection is dropped. */
	static final int RECONNECT_AFTER = 3;

	private final RedisSession session;

	private final StoreHealth health;

	private final String key;

	private final Duration timeout;

	private final String instance = Uuids.random();

	/**
	 * A floor for the replica count: replicas start one by one, and one that has seen
	 * only itself must not claim the whole budget when Redis goes away.
	 */
	private final int expectedReplicas;

	private final AtomicInteger replicas;

	/** Heartbeats failed since the last that did not. */
	private final AtomicInteger failedInARow = new AtomicInteger();

	/** Set while a heartbeat asked for by a slow command is out. */
	private final AtomicBoolean checking = new AtomicBoolean();

	private volatile @Nullable Disposable running;

	Heartbeats(RedisSession session, StoreHealth health, String key, int expectedReplicas, Duration redisTimeout,
			MeterRegistry meters) {
		this.session = session;
		this.health = health;
		this.key = key;
		this.expectedReplicas = expectedReplicas;
		this.replicas = new AtomicInteger(expectedReplicas);
		this.timeout = timeout(redisTimeout);
		Gauge.builder("gateway.ratelimit.replicas", this.replicas, AtomicInteger::get)
			.description("Replicas sharing the WorkOS budget, as last seen in Redis")
			.register(meters);
	}

	/**
	 * How long a heartbeat may take before Redis is declared unreachable: 4 ×
	 * {@code redis-timeout}, and at least 1 s. It decides whether the local shares come
	 * into play (and the budget may be exceeded), so a JVM or machine stalling for a few
	 * hundred ms (a cold start, two busy cores) must not decide it; while it waits,
	 * requests are answered 429 {@code store_unknown}, the safe side.
	 */
	private static Duration timeout(Duration redisTimeout) {
		Duration fourTimes = redisTimeout.multipliedBy(4);
		return (fourTimes.compareTo(Duration.ofSeconds(1)) >= 0) ? fourTimes : Duration.ofSeconds(1);
	}

	/** The replicas sharing the budget: last seen in Redis, never fewer than expected. */
	int replicas() {
		return this.replicas.get();
	}

	/** One heartbeat: says this replica is alive and reads how many are. */
	Mono<Integer> beat() {
		// One round trip (a script), not four: a heartbeat that times out degrades the
		// store, so it must not be slower than it needs to be.
		return this.session.commands()
			.flatMapMany((redis) -> RedisScripts.HEARTBEAT.<Long>eval(redis, ScriptOutputType.INTEGER,
					new String[] { this.key }, this.instance, Long.toString(System.currentTimeMillis()),
					Long.toString(HEARTBEAT_TTL.toMillis())))
			.next()
			.timeout(this.timeout)
			.map(Long::intValue)
			.doOnNext((count) -> {
				this.failedInARow.set(0);
				this.replicas.set(Math.max(this.expectedReplicas, count));
				this.health.healthy();
			})
			.doOnError((failure) -> {
				this.session.leaveIfReplica(failure);
				if (this.failedInARow.incrementAndGet() % RECONNECT_AFTER == 0) {
					this.session.drop("Redis has not answered " + RECONNECT_AFTER
							+ " heartbeats in a row: dropping the connection and connecting anew");
				}
				this.health.degradeNow(failure, replicas());
			});
	}

	/**
	 * A command was slow: a heartbeat now (one at a time) decides whether Redis is there.
	 */
	void checkNow() {
		if (this.checking.compareAndSet(false, true)) {
			beat().doFinally((signal) -> this.checking.set(false)).subscribe((count) -> {
			}, (failure) -> {
			});
		}
	}

	void start() {
		// Every second, but a heartbeat only every HEARTBEAT while healthy: a degraded
		// store finds Redis again within a second. A heartbeat may take longer than a
		// second (its timeout is at least one, a first connection more): the ticks that
		// come meanwhile are dropped. Without onBackpressureDrop the interval fails on
		// the first tick nobody asked for, the heartbeats end silently, and a degraded
		// store never asks Redis again (SlidingWindowScriptTests shows it).
		long every = HEARTBEAT.toSeconds();
		this.running = Flux.interval(Duration.ZERO, Duration.ofSeconds(1))
			.onBackpressureDrop()
			.filter((tick) -> this.health.isDegraded() || tick % every == 0)
			.concatMap((tick) -> beat().onErrorResume((failure) -> Mono.empty()))
			.subscribe(null, (failure) -> logger.error("Redis heartbeats stopped", failure));
	}

	/** Stops the heartbeats; the caller then says goodbye with {@link #leave}. */
	void stop() {
		Disposable current = this.running;
		if (current != null) {
			current.dispose();
		}
	}

	/** This replica leaves the count at once, rather than when its heartbeat expires. */
	Mono<?> leave(RedisClusterReactiveCommands<String, String> redis) {
		return redis.zrem(this.key, this.instance).timeout(this.timeout);
	}

}
