package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;

/**
 * How the store reaches Redis in each topology, behind one face: the commands the store
 * uses (scripts, {@code PTTL}, {@code ZREM}) exist on a single Redis and on a Cluster
 * alike.
 * <ul>
 * <li><b>standalone</b>: one server.</li>
 * <li><b>sentinel</b>: the master the sentinels name. Lettuce asks them again on every
 * reconnect, and a failover drops the store's connection (Sentinel kills the clients of a
 * demoted master; a dead master drops them anyway), so the store follows a failover by
 * reconnecting.</li>
 * <li><b>cluster</b>: a Lettuce cluster client. Each WorkOS key's data and scripts sit on
 * one slot (hash-tagged keys), MOVED and ASK redirects are followed (up to
 * {@code max-redirects}), and the topology is refreshed every {@link #CLUSTER_REFRESH}
 * and at once when a redirect, an unknown node or repeated reconnects show it changed (at
 * most once per {@link #ADAPTIVE_REFRESH_AT_MOST}), so a promoted replica is found within
 * seconds.</li>
 * </ul>
 * Every connection fails commands at once while it is disconnected (the store then
 * answers from local shares) and connects within the connect timeout or not at all.
 */
abstract sealed class RedisConnector {

	/** How often a cluster client reads the topology while nothing seems wrong. */
	static final Duration CLUSTER_REFRESH = Duration.ofSeconds(10);

	/** The least time between two refreshes that trouble asks for. */
	static final Duration ADAPTIVE_REFRESH_AT_MOST = Duration.ofSeconds(1);

	private final String topology;

	private RedisConnector(String topology) {
		this.topology = topology;
	}

	/** The connector for these properties' topology. */
	static RedisConnector of(RedisProperties redis, ClientResources resources) {
		return switch (redis.topology()) {
			case "cluster" ->
				new Cluster(redis.clusterUris(), java.util.Objects.requireNonNull(redis.cluster()).maxRedirects(),
						resources, redis.connectTimeout());
			default -> new Single(redis.topology(), redis.toUri(), resources, redis.connectTimeout());
		};
	}

	/** One server (tests). */
	static RedisConnector single(RedisURI uri, ClientResources resources, Duration connectTimeout) {
		return new Single("standalone", uri, resources, connectTimeout);
	}

	/** {@code standalone}, {@code sentinel} or {@code cluster}. */
	String topology() {
		return this.topology;
	}

	/** Opens a connection, asynchronously. */
	abstract CompletableFuture<StatefulConnection<String, String>> connect();

	/** The commands of a connection this connector opened. */
	abstract RedisClusterReactiveCommands<String, String> commands(StatefulConnection<String, String> connection);

	/** Closes the client (not the resources it was given). */
	abstract CompletableFuture<Void> shutdownAsync();

	private static SocketOptions socket(Duration connectTimeout) {
		return SocketOptions.builder().connectTimeout(connectTimeout).build();
	}

	static final class Single extends RedisConnector {

		private final RedisClient client;

		private final RedisURI uri;

		Single(String topology, RedisURI uri, ClientResources resources, Duration connectTimeout) {
			super(topology);
			this.uri = uri;
			this.client = RedisClient.create(resources);
			this.client.setOptions(ClientOptions.builder()
				.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
				.socketOptions(socket(connectTimeout))
				.build());
		}

		@Override
		CompletableFuture<StatefulConnection<String, String>> connect() {
			return this.client.connectAsync(StringCodec.UTF8, this.uri)
				.toCompletableFuture()
				.thenApply((connection) -> connection);
		}

		@Override
		@SuppressWarnings("unchecked")
		RedisClusterReactiveCommands<String, String> commands(StatefulConnection<String, String> connection) {
			return ((StatefulRedisConnection<String, String>) connection).reactive();
		}

		@Override
		CompletableFuture<Void> shutdownAsync() {
			return this.client.shutdownAsync();
		}

	}

	static final class Cluster extends RedisConnector {

		private final RedisClusterClient client;

		Cluster(List<RedisURI> nodes, int maxRedirects, ClientResources resources, Duration connectTimeout) {
			super("cluster");
			this.client = RedisClusterClient.create(resources, nodes);
			this.client.setOptions(ClusterClientOptions.builder()
				.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
				.socketOptions(socket(connectTimeout))
				.maxRedirects(maxRedirects)
				.topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
					.enablePeriodicRefresh(CLUSTER_REFRESH)
					.enableAllAdaptiveRefreshTriggers()
					.adaptiveRefreshTriggersTimeout(ADAPTIVE_REFRESH_AT_MOST)
					.refreshTriggersReconnectAttempts(3)
					.build())
				.build());
		}

		@Override
		CompletableFuture<StatefulConnection<String, String>> connect() {
			// The async connect needs the topology first; the blocking connect would read
			// it on the caller's thread.
			return this.client.refreshPartitionsAsync()
				.toCompletableFuture()
				.thenCompose((topology) -> this.client.connectAsync(StringCodec.UTF8))
				.thenApply((connection) -> connection);
		}

		@Override
		@SuppressWarnings("unchecked")
		RedisClusterReactiveCommands<String, String> commands(StatefulConnection<String, String> connection) {
			return ((StatefulRedisClusterConnection<String, String>) connection).reactive();
		}

		@Override
		CompletableFuture<Void> shutdownAsync() {
			return this.client.shutdownAsync();
		}

	}

}
