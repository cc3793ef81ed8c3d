package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import dev.portalgateway.system.Uuids;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.ssl.SslBundle;

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

	/**
	 * The connector for these properties' topology; {@code tls} holds the CA to trust
	 * (and a client certificate) from {@code spring.data.redis.ssl.bundle}, if set.
	 */
	static RedisConnector of(RedisProperties redis, @Nullable SslBundle tls, ClientResources resources) {
		boolean cluster = "cluster".equals(redis.topology());
		ClientOptions.Builder options = cluster ? ClusterClientOptions.builder()
			.maxRedirects(Objects.requireNonNull(redis.cluster()).maxRedirects())
			.topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
				.enablePeriodicRefresh(CLUSTER_REFRESH)
				.enableAllAdaptiveRefreshTriggers()
				.adaptiveRefreshTriggersTimeout(ADAPTIVE_REFRESH_AT_MOST)
				.refreshTriggersReconnectAttempts(3)
				.build()) : ClientOptions.builder();
		options.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.socketOptions(SocketOptions.builder().connectTimeout(redis.connectTimeout()).build());
		options.sslOptions(sslOptions(tls));
		return cluster ? new Cluster(redis.clusterUris(), (ClusterClientOptions) options.build(), resources)
				: new Single(redis.topology(), redis.toUri(), options.build(), resources);
	}

	/** One server (tests). */
	static RedisConnector single(RedisURI uri, ClientResources resources, Duration connectTimeout) {
		return new Single("standalone", uri,
				ClientOptions.builder()
					.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
					.socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build())
					.build(),
				resources);
	}

	/**
	 * Lettuce's TLS settings (used only where TLS is on): the bundle's trust, keys,
	 * protocols and ciphers if there is one, else the JVM's trust store. Lettuce builds a
	 * TLS context for each connection on its event loop, so the contexts draw on the
	 * gateway's seeded generator instead of the JDK's default, which reads
	 * {@code /dev/urandom} there.
	 */
	private static SslOptions sslOptions(@Nullable SslBundle bundle) {
		SslOptions.Builder ssl = SslOptions.builder()
			.jdkSslProvider()
			.sslContext((context) -> context.secureRandom(Uuids.generator()));
		if (bundle != null) {
			ssl.trustManager(bundle.getManagers().getTrustManagerFactory())
				.keyManager(bundle.getManagers().getKeyManagerFactory());
			if (bundle.getOptions().getEnabledProtocols() != null) {
				ssl.protocols(bundle.getOptions().getEnabledProtocols());
			}
			if (bundle.getOptions().getCiphers() != null) {
				ssl.cipherSuites(bundle.getOptions().getCiphers());
			}
		}
		return ssl.build();
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

	static final class Single extends RedisConnector {

		private final RedisClient client;

		private final RedisURI uri;

		Single(String topology, RedisURI uri, ClientOptions options, ClientResources resources) {
			super(topology);
			this.uri = uri;
			this.client = RedisClient.create(resources);
			this.client.setOptions(options);
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

		Cluster(List<RedisURI> nodes, ClusterClientOptions options, ClientResources resources) {
			super("cluster");
			this.client = RedisClusterClient.create(resources, nodes);
			this.client.setOptions(options);
		}

		@Override
		CompletableFuture<StatefulConnection<String, String>> connect() {
			// The async connect needs the topology first; the blocking connect would read
			// it on the caller's thread. It is read afresh on every connect: a connection
			// the heartbeats dropped (Heartbeats.RECONNECT_AFTER) must not trust a
			// topology whose refreshes may have stopped.
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
