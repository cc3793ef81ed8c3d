package dev.portalgateway.ratelimit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import dev.portalgateway.system.Uuids;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisReadOnlyException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.core.io.ClassPathResource;

/**
 * Quotas and the cool-down kept in Redis, so all replicas share one WorkOS budget.
 * <p>
 * Keys carry the key fingerprint as a hash tag ({@code {gw:ab12cd34}:…}) so one key's
 * data stays on one Redis Cluster slot. The store is <em>degraded</em> (callers fall back
 * to a local share of the limit) when a heartbeat fails, or after {@link #DEGRADE_AFTER}
 * commands in a row failed outright; a command that is merely slower than
 * {@code redis-timeout} makes the store check Redis at once with a heartbeat, so one slow
 * answer under load does not give away the shared budget, while a Redis that hangs is
 * found within a heartbeat's timeout. It is healthy again when a command or heartbeat
 * succeeds. Each transition is logged once.
 */
public class SharedQuotaStore {

	private static final Log logger = LogFactory.getLog(SharedQuotaStore.class);

	/** How often each replica says it is alive, and how long that counts. */
	static final Duration HEARTBEAT = Duration.ofSeconds(5);

	static final Duration HEARTBEAT_TTL = Duration.ofSeconds(15);

	private static final String WINDOW = script("sliding-window.lua");

	private static final String COOLDOWN = script("cooldown.lua");

	private static final String FAIR = script("fair-share.lua");

	private static final String FAIR_VIEW = script("fair-share-view.lua");

	private static final String HEARTBEAT_SCRIPT = script("heartbeat.lua");

	private final RedisConnector redis;

	private final String windowSha;

	private final String cooldownSha;

	private final String fairSha;

	private final String fairViewSha;

	private final String heartbeatSha;

	private final String prefix;

	private final Duration timeout;

	private final String instance = Uuids.random();

	private final AtomicBoolean degraded = new AtomicBoolean();

	/** Commands in a row that failed outright before the store counts as degraded. */
	static final int DEGRADE_AFTER = 3;

	private final AtomicInteger consecutiveFailures = new AtomicInteger();

	private final AtomicInteger replicas;

	/**
	 * A floor for the replica count: replicas start one by one, and one that has seen
	 * only itself must not claim the whole budget when Redis goes away.
	 */
	private final int expectedReplicas;

	private final AtomicReference<@Nullable StatefulConnection<String, String>> connection = new AtomicReference<>();

	private volatile @Nullable Disposable heartbeats;

	/** Set while a heartbeat asked for by a slow command is out. */
	private final AtomicBoolean checking = new AtomicBoolean();

	private final ClientResources resources;

	private final Counter degradations;

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

	private SharedQuotaStore(java.util.function.Function<ClientResources, RedisConnector> connector,
			Duration connectTimeout, String keyFingerprint, int expectedReplicas, Duration timeout,
			MeterRegistry meters) {
		this.prefix = "{gw:" + keyFingerprint + "}:";
		this.timeout = timeout;
		this.expectedReplicas = expectedReplicas;
		this.replicas = new AtomicInteger(expectedReplicas);
		this.degradations = Counter.builder("gateway.ratelimit.store.degradations")
			.description("Times the replica lost Redis and fell back to its local share")
			.register(meters);
		this.windowSha = sha1(WINDOW);
		this.cooldownSha = sha1(COOLDOWN);
		this.fairSha = sha1(FAIR);
		this.fairViewSha = sha1(FAIR_VIEW);
		this.heartbeatSha = sha1(HEARTBEAT_SCRIPT);
		// A dedicated Lettuce client: commands fail at once while Redis is away (the
		// gateway then enforces its local share), and Lettuce reconnects within a second.
		// No command latency statistics: nothing reads them, and stopping them parks the
		// thread that shuts the client down (a Lettuce event loop).
		this.resources = DefaultClientResources.builder()
			.reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
			.commandLatencyRecorder(CommandLatencyRecorder.disabled())
			.build();
		this.redis = connector.apply(this.resources);
		// Waits here, on the startup thread, at most the connect timeout (and a second
		// for
		// DNS): a Redis that never answers must not hold startup.
		CompletableFuture<StatefulConnection<String, String>> connecting = this.redis.connect();
		try {
			StatefulConnection<String, String> connected = connecting.get(connectTimeout.toMillis() + 1000,
					TimeUnit.MILLISECONDS);
			this.connection.set(connected);
			warmUp(this.redis.commands(connected), connectTimeout);
		}
		catch (ExecutionException | TimeoutException ex) {
			connecting.cancel(true);
			degradeNow((ex.getCause() != null) ? ex.getCause() : ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			degradeNow(ex);
		}
		Gauge.builder("gateway.ratelimit.store.degraded", this, (store) -> store.isDegraded() ? 1 : 0)
			.description("1 while Redis is unreachable and each replica enforces its local share")
			.register(meters);
		Gauge.builder("gateway.ratelimit.replicas", this, SharedQuotaStore::replicas)
			.description("Replicas sharing the WorkOS budget, as last seen in Redis")
			.register(meters);
	}

	/**
	 * Loads the scripts and makes one round trip before the first request, so the first
	 * burst does not pay for {@code NOSCRIPT} and a cold connection (and time out).
	 */
	private void warmUp(RedisClusterReactiveCommands<String, String> commands, Duration connectTimeout)
			throws InterruptedException {
		try {
			// On a Cluster, Lettuce loads each script on every master.
			for (String script : List.of(WINDOW, COOLDOWN, FAIR, FAIR_VIEW, HEARTBEAT_SCRIPT)) {
				commands.scriptLoad(script).toFuture().get(connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
			}
		}
		catch (ExecutionException | TimeoutException ex) {
			// The first call loads them by text instead (EVAL after NOSCRIPT).
			logger.warn("Could not load the Redis scripts at startup (" + ex.getClass().getSimpleName()
					+ "); they will be loaded on first use");
		}
	}

	private static String script(String name) {
		try (InputStream in = new ClassPathResource("ratelimit/" + name).getInputStream()) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("The Redis script " + name + " is missing from the jar", ex);
		}
	}

	/** The SHA-1 Redis knows a script by (EVALSHA). */
	private static String sha1(String script) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-1 is part of every JDK", ex);
		}
	}

	private Mono<RedisClusterReactiveCommands<String, String>> commands() {
		StatefulConnection<String, String> current = this.connection.get();
		if (current != null) {
			return Mono.just(this.redis.commands(current));
		}
		// Not connected since startup: connect asynchronously, never blocking a thread.
		return Mono.fromCompletionStage(this.redis::connect)
			.map((opened) -> this.connection.compareAndSet(null, opened) ? opened : closeExtra(opened))
			.map(this.redis::commands);
	}

	private StatefulConnection<String, String> closeExtra(StatefulConnection<String, String> extra) {
		extra.closeAsync();
		return java.util.Objects.requireNonNull(this.connection.get());
	}

	/**
	 * Runs a script by hash, loading it by text the first time Redis does not know it.
	 */
	private <T> Flux<T> eval(String script, String sha, ScriptOutputType type, String[] keys, String... args) {
		return commands().flatMapMany((redis) -> redis.<T>evalsha(sha, type, keys, args)
			.onErrorResume(RedisNoScriptException.class, (missing) -> redis.<T>eval(script, type, keys, args)));
	}

	/**
	 * Takes a permit from the shared log of this operation, if one is free. Asking again
	 * with the same {@code permitId} never takes a second permit: an answer lost to a
	 * timeout can be asked for again.
	 */
	Mono<Decision> acquire(Operation operation, int limit, Duration window, String permitId) {
		return acquire(operation, limit, window, permitId, this.timeout);
	}

	/**
	 * Takes a permit (see above), waiting at most {@code patience} if that is shorter
	 * than {@code redis-timeout}.
	 */
	Mono<Decision> acquire(Operation operation, int limit, Duration window, String permitId, Duration patience) {
		return this
			.<List<Long>>eval(WINDOW, this.windowSha, ScriptOutputType.MULTI,
					new String[] { this.prefix + "quota:" + operation.tag() }, Integer.toString(limit),
					Long.toString(window.toMillis()), permitId)
			.next()
			.timeout(min(this.timeout, patience))
			.map((answer) -> new Decision(answer.get(0) == 1, limit, answer.get(1).intValue(),
					Duration.ofMillis(answer.get(2)), answer.get(3)))
			.doOnNext((decision) -> healthy())
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
			.<List<Long>>eval(FAIR, this.fairSha, ScriptOutputType.MULTI, fairKeys(), Integer.toString(limit),
					Long.toString(window.toMillis()), permitId, claimant.name(), Integer.toString(claimant.weight()),
					Integer.toString(claimant.maxLinks()))
			.next()
			.timeout(min(this.timeout, patience))
			.map((answer) -> new FairDecision(
					new Decision(answer.get(0) == 1, limit, answer.get(1).intValue(), Duration.ofMillis(answer.get(2)),
							answer.get(3)),
					VERDICTS[answer.get(4).intValue()], answer.get(5).intValue(), answer.get(6).intValue()))
			.doOnNext((decision) -> healthy())
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
			.<List<Object>>eval(FAIR_VIEW, this.fairViewSha, ScriptOutputType.MULTI, fairKeys(),
					Long.toString(window.toMillis()))
			.next()
			.timeout(this.timeout)
			.map((answer) -> fairView(limit, window, answer));
	}

	@SuppressWarnings("unchecked")
	private static FairShare.View fairView(int limit, Duration window, List<Object> answer) {
		long now = (Long) answer.get(0);
		List<Object> log = (List<Object>) answer.get(1);
		List<Object> asked = (List<Object>) answer.get(2);
		List<Object> claims = (List<Object>) answer.get(3);
		Map<String, Integer> used = new HashMap<>();
		for (int i = 0; i < log.size(); i += 2) {
			String member = String.valueOf(log.get(i));
			used.merge(member.substring(member.indexOf('|') + 1), 1, Integer::sum);
		}
		Map<String, String> claimed = new HashMap<>();
		for (int i = 0; i + 1 < claims.size(); i += 2) {
			claimed.put(String.valueOf(claims.get(i)), String.valueOf(claims.get(i + 1)));
		}
		Map<String, FairShare.Claim> active = new HashMap<>();
		for (int i = 0; i < asked.size(); i += 2) {
			String caller = String.valueOf(asked.get(i));
			String[] claim = claimed.getOrDefault(caller, "1:0").split(":");
			active.put(caller, new FairShare.Claim(Integer.parseInt(claim[0]), Integer.parseInt(claim[1]),
					(long) Double.parseDouble(String.valueOf(asked.get(i + 1)))));
		}
		long oldest = log.isEmpty() ? now : (long) Double.parseDouble(String.valueOf(log.get(1)));
		return FairShare.View.of(limit, window, log.size() / 2,
				Duration.ofMillis(log.isEmpty() ? 0 : oldest + window.toMillis() - now), used, active);
	}

	/** The script's verdict codes, in order. */
	private static final FairShare.Verdict[] VERDICTS = { FairShare.Verdict.GRANTED, FairShare.Verdict.OVER_SHARE,
			FairShare.Verdict.OVER_CAP, FairShare.Verdict.BUDGET_IN_USE };

	/** Takes a permit under a fresh id (tests). */
	Mono<Decision> acquire(Operation operation, int limit, Duration window) {
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
				.<Long>eval(COOLDOWN, this.cooldownSha, ScriptOutputType.INTEGER,
						new String[] { this.prefix + "cooldown" }, Long.toString(duration.toMillis()))
				.next()
				.timeout(this.timeout))
			.map(Duration::ofMillis)
			.doOnNext((left) -> healthy())
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
		return commands().flatMap((redis) -> redis.pttl(this.prefix + "cooldown"))
			.timeout(min(this.timeout, patience))
			.map((left) -> (left > 0) ? Duration.ofMillis(left) : Duration.ZERO)
			.defaultIfEmpty(Duration.ZERO)
			.doOnError(this::failed);
	}

	/**
	 * Says this replica is alive and reads how many are; runs every {@link #HEARTBEAT}.
	 */
	Mono<Integer> heartbeat() {
		// One round trip (a script), not four: a heartbeat that times out degrades the
		// store, so it must not be slower than it needs to be.
		return this
			.<Long>eval(HEARTBEAT_SCRIPT, this.heartbeatSha, ScriptOutputType.INTEGER,
					new String[] { this.prefix + "replicas" }, this.instance, Long.toString(System.currentTimeMillis()),
					Long.toString(HEARTBEAT_TTL.toMillis()))
			.next()
			.timeout(heartbeatTimeout())
			.map(Long::intValue)
			.doOnNext((count) -> {
				this.replicas.set(Math.max(this.expectedReplicas, count));
				healthy();
			})
			.doOnError(this::degradeNow);
	}

	private static Duration min(Duration one, Duration other) {
		return (one.compareTo(other) <= 0) ? one : other;
	}

	public void startHeartbeats() {
		// Every second, but a heartbeat only every HEARTBEAT while healthy: a degraded
		// store finds Redis again within a second. A heartbeat may take longer than a
		// second (its timeout is at least one, a first connection more): the ticks that
		// come meanwhile are dropped. Without onBackpressureDrop the interval fails on
		// the first tick nobody asked for, the heartbeats end silently, and a degraded
		// store never asks Redis again (SlidingWindowScriptTests shows it).
		long every = HEARTBEAT.toSeconds();
		this.heartbeats = Flux.interval(Duration.ZERO, Duration.ofSeconds(1))
			.onBackpressureDrop()
			.filter((tick) -> isDegraded() || tick % every == 0)
			.concatMap((tick) -> heartbeat().onErrorResume((failure) -> Mono.empty()))
			.subscribe(null, (failure) -> logger.error("Redis heartbeats stopped", failure));
	}

	/**
	 * How long a heartbeat may take before Redis is declared unreachable: 4 ×
	 * {@code redis-timeout}, and at least 1 s. It decides whether the local shares come
	 * into play (and the budget may be exceeded), so a JVM or machine stalling for a few
	 * hundred ms (a cold start, two busy cores) must not decide it; while it waits,
	 * requests are answered 429 {@code store_unknown}, the safe side.
	 */
	private Duration heartbeatTimeout() {
		Duration fourTimes = this.timeout.multipliedBy(4);
		return (fourTimes.compareTo(Duration.ofSeconds(1)) >= 0) ? fourTimes : Duration.ofSeconds(1);
	}

	public void stopHeartbeats() {
		Disposable running = this.heartbeats;
		if (running != null) {
			running.dispose();
		}
		StatefulConnection<String, String> current = this.connection.getAndSet(null);
		if (current != null) {
			this.redis.commands(current)
				.zrem(this.prefix + "replicas", this.instance)
				.timeout(this.timeout.multipliedBy(4))
				.onErrorResume((failure) -> Mono.empty())
				.doFinally((signal) -> current.closeAsync().whenComplete((closed, failure) -> shutDown()))
				.subscribe();
		}
		else {
			shutDown();
		}
	}

	/** Whether the client's own event loops and timers have stopped (after a close). */
	boolean isClosed() {
		return this.resources.eventExecutorGroup().isTerminated();
	}

	/**
	 * Closes the client and then its own resources (event loops, timers): Lettuce leaves
	 * resources passed in to whoever made them.
	 */
	private void shutDown() {
		this.redis.shutdownAsync().whenComplete((done, failure) -> this.resources.shutdown());
	}

	/** {@code standalone}, {@code sentinel} or {@code cluster}. */
	public String topology() {
		return this.redis.topology();
	}

	public boolean isDegraded() {
		return this.degraded.get();
	}

	/** The replicas sharing the budget: last seen in Redis, never fewer than expected. */
	public int replicas() {
		return this.replicas.get();
	}

	/**
	 * One failed or slow command. A slow one asks for a heartbeat now (one at a time),
	 * whose failure degrades the store; {@link #DEGRADE_AFTER} outright failures in a row
	 * degrade it at once.
	 */
	private void failed(Throwable failure) {
		leaveAReplica(failure);
		if (failure instanceof TimeoutException) {
			checkNow();
		}
		else if (this.consecutiveFailures.incrementAndGet() >= DEGRADE_AFTER) {
			degradeNow(failure);
		}
	}

	private void checkNow() {
		if (this.checking.compareAndSet(false, true)) {
			heartbeat().doFinally((signal) -> this.checking.set(false)).subscribe((count) -> {
			}, (failure) -> {
			});
		}
	}

	private void degradeNow(Throwable failure) {
		leaveAReplica(failure);
		if (this.degraded.compareAndSet(false, true)) {
			this.degradations.increment();
			logger.warn("Redis is unreachable (" + failure.getClass().getSimpleName()
					+ "): each replica now enforces its local share of the WorkOS quotas (limit / " + replicas() + ")");
		}
	}

	/**
	 * A server that answers {@code READONLY} is a replica: with Sentinel, the old master
	 * demoted after a failover (the connection survives its demotion if it was made just
	 * after), or a master a sentinel still named while the others had moved on. The
	 * connection is dropped, so the next command connects again and asks the sentinels
	 * anew; kept, it would fail every write, and the store stay degraded, for good.
	 */
	private void leaveAReplica(Throwable failure) {
		// Redis 7 answers a writing script READONLY; Redis 6 fails the script with the
		// READONLY error of the write inside it.
		if (failure instanceof RedisReadOnlyException || (failure instanceof RedisCommandExecutionException
				&& String.valueOf(failure.getMessage()).contains("READONLY"))) {
			StatefulConnection<String, String> replica = this.connection.getAndSet(null);
			if (replica != null) {
				logger.warn("Redis answered READONLY (a replica): connecting again to find the master");
				replica.closeAsync();
			}
		}
	}

	private void healthy() {
		this.consecutiveFailures.set(0);
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
	 * @param admittedAt Redis's time (epoch ms) when the permit was admitted, or of the
	 * answer when none was
	 */
	record Decision(boolean granted, int limit, int remaining, Duration reset, long admittedAt) {
	}

	/**
	 * One answer of the fair share of the link budget.
	 *
	 * @param decision the budget's answer
	 * @param verdict granted, or why not
	 * @param share the caller's share in whole permits
	 * @param used permits the caller holds in the window
	 */
	record FairDecision(Decision decision, FairShare.Verdict verdict, int share, int used) {

		/** A plain log's answer: granted, or the budget in use. */
		static FairDecision of(Decision decision) {
			return new FairDecision(decision,
					decision.granted() ? FairShare.Verdict.GRANTED : FairShare.Verdict.BUDGET_IN_USE, 0, 0);
		}

	}

}
