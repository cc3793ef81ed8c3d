package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisReadOnlyException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The store's connection to Redis, from the first connect to the last close: one
 * connection, opened at startup or (if Redis was away then) on first use, dropped when it
 * turns out to lead to a replica, closed with the client and its own event loops.
 */
final class RedisSession {

	private static final Log logger = LogFactory.getLog(SharedQuotaStore.class);

	private final ClientResources resources;

	private final RedisConnector redis;

	private final AtomicReference<@Nullable StatefulConnection<String, String>> connection = new AtomicReference<>();

	RedisSession(Function<ClientResources, RedisConnector> connector) {
		// A dedicated Lettuce client: commands fail at once while Redis is away (the
		// gateway then enforces its local share), and Lettuce reconnects within a second.
		// No command latency statistics: nothing reads them, and stopping them parks the
		// thread that shuts the client down (a Lettuce event loop).
		this.resources = DefaultClientResources.builder()
			.reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
			.commandLatencyRecorder(CommandLatencyRecorder.disabled())
			.build();
		this.redis = connector.apply(this.resources);
	}

	/**
	 * Connects and loads the scripts, waiting on the startup thread at most the connect
	 * timeout (and a second for DNS): a Redis that never answers must not hold startup. A
	 * connection that opens after that wait is kept all the same (see {@link #open}).
	 * @return null when connected, else why not (the next command connects again)
	 */
	@Nullable Throwable connectAtStartup(Duration connectTimeout) {
		try {
			StatefulConnection<String, String> connected = open().get(connectTimeout.toMillis() + 1000,
					TimeUnit.MILLISECONDS);
			RedisScripts.loadAll(this.redis.commands(connected), connectTimeout);
			return null;
		}
		catch (ExecutionException | TimeoutException ex) {
			return (ex.getCause() != null) ? ex.getCause() : ex;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return ex;
		}
	}

	/**
	 * The commands of the current connection, connecting first (asynchronously) if none.
	 */
	Mono<RedisClusterReactiveCommands<String, String>> commands() {
		StatefulConnection<String, String> current = this.connection.get();
		if (current != null) {
			return Mono.just(this.redis.commands(current));
		}
		// Not connected since startup or since a connection was dropped: connect
		// asynchronously, never blocking a thread. A command that times out meanwhile
		// does not cancel the connect (suppressCancel): the connection is kept when it
		// opens, for the next command.
		return Mono.fromFuture(this::open, true).map(this.redis::commands);
	}

	/**
	 * The connect under way, if any: every command that finds no connection meanwhile
	 * waits for this one, so a burst (requests just after a connection was dropped, or
	 * heartbeats while a connect hangs) makes one connect, not one each. A connect ends
	 * within Lettuce's own timeouts, which {@link RedisProperties} makes the connect
	 * timeout (a hung server would otherwise hold it for a minute).
	 */
	private final AtomicReference<@Nullable CompletableFuture<StatefulConnection<String, String>>> opening = new AtomicReference<>();

	/**
	 * The connect under way, or a new one. Its connection is kept when it opens (or
	 * closed if another one was kept meanwhile), whether or not whoever asked still
	 * waits: a connection given up on while it opened would otherwise stay open (and
	 * reconnect, with Lettuce's watchdog) for good.
	 */
	private CompletableFuture<StatefulConnection<String, String>> open() {
		CompletableFuture<StatefulConnection<String, String>> mine = new CompletableFuture<>();
		CompletableFuture<StatefulConnection<String, String>> current = this.opening.compareAndExchange(null, mine);
		if (current != null) {
			return current;
		}
		CompletableFuture<StatefulConnection<String, String>> connecting;
		try {
			connecting = this.redis.connect();
		}
		catch (RuntimeException ex) {
			connecting = CompletableFuture.failedFuture(ex);
		}
		connecting.whenComplete((opened, failure) -> {
			// Cleared first, so that whoever the answer wakes can start the next connect.
			this.opening.set(null);
			if (failure != null) {
				mine.completeExceptionally(failure);
			}
			else {
				mine.complete(keep(opened));
			}
		});
		return mine;
	}

	private StatefulConnection<String, String> keep(StatefulConnection<String, String> opened) {
		StatefulConnection<String, String> kept = this.connection.compareAndExchange(null, opened);
		if (kept == null) {
			return opened;
		}
		opened.closeAsync();
		return kept;
	}

	/**
	 * A server that answers {@code READONLY} is a replica: with Sentinel, the old master
	 * demoted after a failover (the connection survives its demotion if it was made just
	 * after), or a master a sentinel still named while the others had moved on. The
	 * connection is dropped, so the next command connects again and asks the sentinels
	 * anew; kept, it would fail every write, and the store stay degraded, for good.
	 */
	void leaveIfReplica(Throwable failure) {
		// Redis 7 answers a writing script READONLY; Redis 6 fails the script with the
		// READONLY error of the write inside it.
		if (failure instanceof RedisReadOnlyException || (failure instanceof RedisCommandExecutionException
				&& String.valueOf(failure.getMessage()).contains("READONLY"))) {
			drop("Redis answered READONLY (a replica): connecting again to find the master");
		}
	}

	/**
	 * Drops the connection, so that the next command connects anew: with a cluster, after
	 * reading the topology again (see {@link RedisConnector.Cluster#connect}); with
	 * Sentinel, after asking the sentinels.
	 */
	void drop(String why) {
		StatefulConnection<String, String> dropped = this.connection.getAndSet(null);
		if (dropped != null) {
			logger.warn(why);
			dropped.closeAsync();
		}
	}

	/**
	 * Closes the connection after {@code lastWords} (if connected; its failure is
	 * ignored), then the client and then its own resources (event loops, timers): Lettuce
	 * leaves resources passed in to whoever made them.
	 */
	void close(Function<RedisClusterReactiveCommands<String, String>, Mono<?>> lastWords) {
		StatefulConnection<String, String> current = this.connection.getAndSet(null);
		if (current == null) {
			shutDown();
			return;
		}
		lastWords.apply(this.redis.commands(current))
			.onErrorResume((failure) -> Mono.empty())
			.doFinally((signal) -> current.closeAsync().whenComplete((closed, failure) -> shutDown()))
			.subscribe();
	}

	private void shutDown() {
		this.redis.shutdownAsync().whenComplete((done, failure) -> this.resources.shutdown());
	}

	/** Whether the client's own event loops and timers have stopped (after a close). */
	boolean isClosed() {
		return this.resources.eventExecutorGroup().isTerminated();
	}

	/** {@code standalone}, {@code sentinel} or {@code cluster}. */
	String topology() {
		return this.redis.topology();
	}

}
