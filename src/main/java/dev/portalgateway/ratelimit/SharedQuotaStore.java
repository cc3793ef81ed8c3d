package dev.portalgateway.ratelimit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.portalgateway.system.Uuids;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Quotas and the cool-down kept in Redis, so all replicas share one WorkOS budget.
 * <p>
 * Keys carry the key fingerprint as a hash tag ({@code {gw:ab12cd34}:…}) so one key's
 * data stays on one Redis Cluster slot. When Redis fails or is slower than
 * {@code redis-timeout}, the store is <em>degraded</em>: callers fall back to a local
 * share of the limit until a heartbeat reaches Redis again. Each transition is logged
 * once.
 */
public class SharedQuotaStore {

	private static final Log logger = LogFactory.getLog(SharedQuotaStore.class);

	/** How often each replica says it is alive, and how long that counts. */
	static final Duration HEARTBEAT = Duration.ofSeconds(5);

	static final Duration HEARTBEAT_TTL = Duration.ofSeconds(15);

	// Read once, at class loading: Spring Data falls back from EVALSHA to EVAL with the
	// script's text, and reading a resource then would block a Redis event loop.
	private static final RedisScript<List> WINDOW = RedisScript.of(script("sliding-window.lua"), List.class);

	private static final RedisScript<Long> COOLDOWN = RedisScript.of(script("cooldown.lua"), Long.class);

	private final ReactiveStringRedisTemplate redis;

	private final String prefix;

	private final Duration timeout;

	private final String instance = Uuids.random();

	private final AtomicBoolean degraded = new AtomicBoolean();

	private final AtomicInteger replicas;

	/**
	 * A floor for the replica count: replicas start one by one, and one that has seen
	 * only itself must not claim the whole budget when Redis goes away.
	 */
	private final int expectedReplicas;

	private volatile Disposable heartbeats;

	public SharedQuotaStore(ReactiveStringRedisTemplate redis, String keyFingerprint, int expectedReplicas,
			Duration timeout, MeterRegistry meters) {
		this.redis = redis;
		this.prefix = "{gw:" + keyFingerprint + "}:";
		this.timeout = timeout;
		this.expectedReplicas = expectedReplicas;
		this.replicas = new AtomicInteger(expectedReplicas);
		Gauge.builder("gateway.ratelimit.store.degraded", this, (store) -> store.isDegraded() ? 1 : 0)
			.description("1 while Redis is unreachable and each replica enforces its local share")
			.register(meters);
		Gauge.builder("gateway.ratelimit.replicas", this, SharedQuotaStore::replicas)
			.description("Replicas sharing the WorkOS budget, as last seen in Redis")
			.register(meters);
	}

	private static String script(String name) {
		try (InputStream in = new ClassPathResource("ratelimit/" + name).getInputStream()) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("The Redis script " + name + " is missing from the jar", ex);
		}
	}

	/** Takes a permit from the shared log of this operation, if one is free. */
	Mono<Decision> acquire(Operation operation, int limit, Duration window) {
		return this.redis
			.execute(WINDOW, List.of(this.prefix + "quota:" + operation.tag()),
					List.of(Integer.toString(limit), Long.toString(window.toMillis()), Uuids.random()))
			.next()
			.timeout(this.timeout)
			.map((answer) -> new Decision(((Long) answer.get(0)) == 1, limit, ((Long) answer.get(1)).intValue(),
					Duration.ofMillis((Long) answer.get(2))))
			.doOnNext((decision) -> healthy())
			.doOnError(this::degrade);
	}

	/** Starts or lengthens the shared cool-down; returns what is left of it. */
	Mono<Duration> coolDown(Duration duration) {
		return this.redis
			.execute(COOLDOWN, List.of(this.prefix + "cooldown"), List.of(Long.toString(duration.toMillis())))
			.next()
			.timeout(this.timeout)
			.map(Duration::ofMillis)
			.doOnError(this::degrade);
	}

	/** What is left of the shared cool-down (zero when there is none). */
	Mono<Duration> cooldownRemaining() {
		return this.redis.getExpire(this.prefix + "cooldown")
			.timeout(this.timeout)
			.map((left) -> left.isNegative() ? Duration.ZERO : left)
			.defaultIfEmpty(Duration.ZERO)
			.doOnError(this::degrade);
	}

	/**
	 * Says this replica is alive and reads how many are; runs every {@link #HEARTBEAT}.
	 */
	Mono<Integer> heartbeat() {
		String key = this.prefix + "replicas";
		long now = System.currentTimeMillis();
		return this.redis.opsForZSet()
			.add(key, this.instance, now)
			.then(this.redis.opsForZSet()
				.removeRangeByScore(key,
						Range.closed(Double.NEGATIVE_INFINITY, (double) now - HEARTBEAT_TTL.toMillis())))
			.then(this.redis.expire(key, HEARTBEAT_TTL.multipliedBy(2)))
			.then(this.redis.opsForZSet().size(key))
			.timeout(this.timeout.multipliedBy(4))
			.map(Long::intValue)
			.doOnNext((count) -> {
				this.replicas.set(Math.max(this.expectedReplicas, count));
				healthy();
			})
			.doOnError(this::degrade);
	}

	public void startHeartbeats() {
		// Spring Data opens the shared connection synchronously on first use; do that
		// here,
		// on the main thread at startup, never on an event loop. Lettuce then reconnects
		// it
		// in the background after an outage.
		try {
			this.redis.getConnectionFactory().getReactiveConnection().close();
		}
		catch (RuntimeException ex) {
			degrade(ex);
		}
		// Every second, but a heartbeat only every HEARTBEAT while healthy: a degraded
		// store
		// finds Redis again within a second.
		long every = HEARTBEAT.toSeconds();
		this.heartbeats = Flux.interval(Duration.ZERO, Duration.ofSeconds(1))
			.filter((tick) -> isDegraded() || tick % every == 0)
			.concatMap((tick) -> heartbeat().onErrorResume((failure) -> Mono.empty()))
			// If the connection must be opened again, that blocks: keep it off event
			// loops.
			.subscribeOn(Schedulers.boundedElastic())
			.subscribe();
	}

	public void stopHeartbeats() {
		Disposable running = this.heartbeats;
		if (running != null) {
			running.dispose();
		}
		this.redis.opsForZSet()
			.remove(this.prefix + "replicas", this.instance)
			.onErrorResume((f) -> Mono.empty())
			.subscribe();
	}

	public boolean isDegraded() {
		return this.degraded.get();
	}

	/**
	 * The replicas sharing the budget: last seen in Redis, at first the configured floor.
	 */
	public int replicas() {
		return this.replicas.get();
	}

	private void degrade(Throwable failure) {
		if (this.degraded.compareAndSet(false, true)) {
			logger.warn("Redis is unreachable (" + failure.getClass().getSimpleName()
					+ "): each replica now enforces its local share of the WorkOS quotas (limit / " + replicas() + ")");
		}
	}

	private void healthy() {
		if (this.degraded.compareAndSet(true, false)) {
			logger.warn("Redis is reachable again: WorkOS quotas are shared by all replicas again");
		}
	}

	/**
	 * One answer of the shared log.
	 *
	 * @param granted whether the call may go ahead
	 * @param limit permits per window
	 * @param remaining permits left in the current window
	 * @param reset when the oldest call leaves the window (a permit frees up)
	 */
	record Decision(boolean granted, int limit, int remaining, Duration reset) {
	}

}
