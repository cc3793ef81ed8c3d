package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.lettuce.core.RedisURI;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

/**
 * Where the Redis store lives, under Boot's usual {@code spring.data.redis} names (the
 * gateway talks to Redis through its own Lettuce connection, not Spring Data Redis): a
 * {@code url} ({@code redis://} or {@code rediss://}, env {@code SPRING_DATA_REDIS_URL}),
 * or host, port and the rest. Error messages never repeat the values: the URL may hold
 * the password.
 *
 * @param url the whole address; when set, it wins over host, port, username, password,
 * database and ssl
 * @param host the Redis host (default localhost)
 * @param port the Redis port (default 6379)
 * @param username the ACL user, if any
 * @param password the password, if any (from a Secret in Kubernetes)
 * @param database the database index (default 0)
 * @param ssl whether to connect with TLS
 * @param connectTimeout how long connecting may take (default 2 s; at startup and on
 * reconnects, never on a request's path; commands have
 * {@code gateway.rate-limit.redis-timeout})
 * @param sentinel Redis with Sentinel: the master's name and the sentinels; the master is
 * found through them and followed across failovers ({@code username}, {@code password},
 * {@code database} and {@code ssl} above apply to the master)
 * @param cluster Redis Cluster: its nodes (not supported yet: refused at startup)
 */
@ConfigurationProperties("spring.data.redis")
public record RedisProperties(@Nullable String url, String host, int port, @Nullable String username,
		@Nullable String password, int database, Ssl ssl, Duration connectTimeout, @Nullable Sentinel sentinel,
		@Nullable Cluster cluster) {

	@ConstructorBinding
	public RedisProperties(@Nullable String url, @Nullable String host, @Nullable Integer port,
			@Nullable String username, @Nullable String password, @Nullable Integer database, @Nullable Ssl ssl,
			@Nullable Duration connectTimeout, @Nullable Sentinel sentinel, @Nullable Cluster cluster) {
		this(blankToNull(url), (host != null && !host.isBlank()) ? host : "localhost", (port != null) ? port : 6379,
				blankToNull(username), blankToNull(password), (database != null) ? database : 0,
				(ssl != null) ? ssl : new Ssl(false), (connectTimeout != null) ? connectTimeout : Duration.ofSeconds(2),
				(sentinel != null && sentinel.configured()) ? sentinel : null,
				(cluster != null && !cluster.nodes().isEmpty()) ? cluster : null);
	}

	/** A single Redis (no Sentinel, no Cluster). */
	public RedisProperties(@Nullable String url, @Nullable String host, @Nullable Integer port,
			@Nullable String username, @Nullable String password, @Nullable Integer database, @Nullable Ssl ssl,
			@Nullable Duration connectTimeout) {
		this(url, host, port, username, password, database, ssl, connectTimeout, null, null);
	}

	public RedisProperties {
		if (url != null && !url.startsWith("redis://") && !url.startsWith("rediss://")) {
			throw new IllegalArgumentException("spring.data.redis.url must start with redis:// or rediss://");
		}
		if (port < 1 || port > 65535) {
			throw new IllegalArgumentException("spring.data.redis.port must be between 1 and 65535");
		}
		if (database < 0) {
			throw new IllegalArgumentException("spring.data.redis.database must be at least 0");
		}
		if (connectTimeout.toMillis() < 1) {
			throw new IllegalArgumentException("spring.data.redis.connect-timeout must be at least 1ms");
		}
		if (sentinel != null && cluster != null) {
			throw new IllegalArgumentException(
					"spring.data.redis.sentinel and spring.data.redis.cluster are both set: choose one topology");
		}
		if (url != null && (sentinel != null || cluster != null)) {
			throw new IllegalArgumentException("spring.data.redis.url and spring.data.redis."
					+ ((sentinel != null) ? "sentinel" : "cluster") + " are both set: choose one topology");
		}
		if (cluster != null) {
			throw new IllegalArgumentException(
					"spring.data.redis.cluster is not supported yet: use a single Redis or Redis with Sentinel");
		}
		if (sentinel != null) {
			sentinel.validate();
		}
		if (url != null) {
			try {
				RedisURI.create(url);
			}
			catch (RuntimeException ex) {
				// Not the exception's message: it may quote the URL and its password.
				throw new IllegalArgumentException("spring.data.redis.url is not a valid Redis URL");
			}
		}
	}

	private static @Nullable String blankToNull(@Nullable String value) {
		return (value == null || value.isBlank()) ? null : value;
	}

	/** The address for Lettuce. */
	public RedisURI toUri() {
		RedisURI uri;
		Sentinel sentinels = this.sentinel;
		if (this.url != null) {
			uri = RedisURI.create(this.url);
		}
		else {
			RedisURI.Builder builder = (sentinels != null) ? sentinels.builder()
					: RedisURI.builder().withHost(this.host).withPort(this.port);
			builder.withDatabase(this.database).withSsl(this.ssl.enabled());
			if (this.password != null && this.username != null) {
				builder.withAuthentication(this.username, this.password);
			}
			else if (this.password != null) {
				builder.withPassword(this.password.toCharArray());
			}
			uri = builder.build();
		}
		return uri;
	}

	/** Which topology: {@code standalone} or {@code sentinel}. */
	public String topology() {
		return (this.sentinel != null) ? "sentinel" : "standalone";
	}

	@Override
	public String toString() {
		return "RedisProperties["
				+ ((this.url != null) ? "url=(set)"
						: (this.sentinel != null) ? "sentinel=" + this.sentinel.master() : this.host + ":" + this.port)
				+ "]";
	}

	/**
	 * Redis with Sentinel ({@code spring.data.redis.sentinel}).
	 *
	 * @param master the name of the master the sentinels monitor
	 * @param nodes the sentinels, {@code host:port} ({@code [::1]:26379} for IPv6)
	 * @param username the sentinels' ACL user, if any
	 * @param password the sentinels' password, if any
	 */
	public record Sentinel(@Nullable String master, @Nullable List<String> nodes, @Nullable String username,
			@Nullable String password) {

		private static final Pattern NODE = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):(\\d{1,5})");

		boolean configured() {
			return (this.master != null && !this.master.isBlank()) || (this.nodes != null && !this.nodes.isEmpty());
		}

		void validate() {
			if (this.master == null || this.master.isBlank()) {
				throw new IllegalArgumentException(
						"spring.data.redis.sentinel.master is required with spring.data.redis.sentinel.nodes");
			}
			if (this.nodes == null || this.nodes.isEmpty()) {
				throw new IllegalArgumentException(
						"spring.data.redis.sentinel.nodes is required with spring.data.redis.sentinel.master");
			}
			for (int i = 0; i < this.nodes.size(); i++) {
				Matcher node = NODE.matcher(this.nodes.get(i).strip());
				if (!node.matches() || Integer.parseInt(node.group(2)) < 1 || Integer.parseInt(node.group(2)) > 65535) {
					throw new IllegalArgumentException(
							"spring.data.redis.sentinel.nodes[" + i + "] must be host:port (IPv6 as [address]:port)");
				}
			}
		}

		/** The master's address, through the sentinels. */
		RedisURI.Builder builder() {
			RedisURI.Builder builder = null;
			for (String node : java.util.Objects.requireNonNull(this.nodes)) {
				Matcher parts = NODE.matcher(node.strip());
				parts.matches();
				String host = parts.group(1).replace("[", "").replace("]", "");
				int port = Integer.parseInt(parts.group(2));
				RedisURI.Builder sentinel = RedisURI.builder().withHost(host).withPort(port);
				if (this.password != null && this.username != null) {
					sentinel.withAuthentication(this.username, this.password);
				}
				else if (this.password != null) {
					sentinel.withPassword(this.password.toCharArray());
				}
				if (builder == null) {
					builder = RedisURI.builder().withSentinelMasterId(java.util.Objects.requireNonNull(this.master));
				}
				builder.withSentinel(sentinel.build());
			}
			return java.util.Objects.requireNonNull(builder);
		}

	}

	/**
	 * Redis Cluster ({@code spring.data.redis.cluster}); not supported yet.
	 *
	 * @param nodes the cluster's nodes
	 * @param maxRedirects how many MOVED/ASK redirects to follow
	 */
	public record Cluster(@Nullable List<String> nodes, @Nullable Integer maxRedirects) {

		public Cluster {
			nodes = (nodes != null) ? nodes : List.of();
		}

	}

	/**
	 * TLS.
	 *
	 * @param enabled connect with TLS ({@code rediss://} in a URL says the same)
	 */
	public record Ssl(boolean enabled) {
	}

}
