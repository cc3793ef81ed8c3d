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
 * <p>
 * Unlike the gateway's own properties (defaults in {@code @DefaultValue}), absent values
 * are filled in by the binding constructor: these are Boot's names, which charts and
 * environments often set to an empty string to mean "not set" ({@code host: ""},
 * {@code SPRING_DATA_REDIS_USERNAME=}), and a blank must count as absent, which a
 * {@code @DefaultValue} would not do.
 * <p>
 * About 270 lines: one property tree (standalone, Sentinel, Cluster, TLS) whose rules
 * span its parts (one topology, the URL winning over the rest), checked in one
 * constructor.
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
 * @param cluster Redis Cluster: some of its nodes, from which the client learns the rest
 * ({@code username}, {@code password} and {@code ssl} above apply to every node)
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
				(ssl != null) ? ssl : new Ssl(false, null),
				(connectTimeout != null) ? connectTimeout : Duration.ofSeconds(2),
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
			cluster.validate();
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

	/**
	 * The address for Lettuce. Its timeout, Lettuce's own for handshakes, sentinel
	 * queries and topology reads, is the connect timeout: Lettuce's default, a minute,
	 * would let one hung server (a stopped process still accepts connections) hold a
	 * topology refresh, or a new connection, that long. The store's commands have shorter
	 * timeouts of their own.
	 */
	public RedisURI toUri() {
		RedisURI uri;
		Sentinel sentinels = this.sentinel;
		if (this.url != null) {
			uri = RedisURI.create(this.url);
		}
		else {
			RedisURI.Builder builder = (sentinels != null) ? sentinels.builder(this.ssl.enabled())
					: RedisURI.builder().withHost(this.host).withPort(this.port);
			builder.withDatabase(this.database).withSsl(this.ssl.enabled());
			authenticate(builder, this.username, this.password);
			uri = builder.build();
		}
		uri.setTimeout(this.connectTimeout);
		// The sentinels come out of the builder with Lettuce's default
		// (RedisPropertiesTests).
		uri.getSentinels().forEach((sentinel) -> sentinel.setTimeout(this.connectTimeout));
		return uri;
	}

	/**
	 * The nodes of the Redis Cluster to learn the topology from, each with the
	 * credentials and TLS of the others (only with {@code spring.data.redis.cluster}),
	 * and the connect timeout as Lettuce's own (see {@link #toUri()}): it bounds each
	 * node's answer to a topology read.
	 */
	public List<RedisURI> clusterUris() {
		Cluster nodes = java.util.Objects.requireNonNull(this.cluster, "not a Redis Cluster");
		return nodes.nodes().stream().map((node) -> {
			RedisURI.Builder builder = address(node).withSsl(this.ssl.enabled()).withTimeout(this.connectTimeout);
			authenticate(builder, this.username, this.password);
			return builder.build();
		}).toList();
	}

	/** Which topology: {@code standalone}, {@code sentinel} or {@code cluster}. */
	public String topology() {
		return (this.sentinel != null) ? "sentinel" : (this.cluster != null) ? "cluster" : "standalone";
	}

	private static void authenticate(RedisURI.Builder builder, @Nullable String username, @Nullable String password) {
		if (password != null && username != null) {
			builder.withAuthentication(username, password);
		}
		else if (password != null) {
			builder.withPassword(password.toCharArray());
		}
	}

	private static final Pattern NODE = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):(\\d{1,5})");

	/**
	 * Refuses nodes that are not {@code host:port}, naming the property and index only.
	 */
	private static void validateNodes(String property, List<String> nodes) {
		for (int i = 0; i < nodes.size(); i++) {
			Matcher node = NODE.matcher(nodes.get(i).strip());
			if (!node.matches() || Integer.parseInt(node.group(2)) < 1 || Integer.parseInt(node.group(2)) > 65535) {
				throw new IllegalArgumentException(property + "[" + i + "] must be host:port (IPv6 as [address]:port)");
			}
		}
	}

	/** A validated {@code host:port} ({@code [v6]:port}) as an address builder. */
	private static RedisURI.Builder address(String node) {
		Matcher parts = NODE.matcher(node.strip());
		if (!parts.matches()) {
			throw new IllegalStateException("validated before");
		}
		return RedisURI.builder()
			.withHost(parts.group(1).replace("[", "").replace("]", ""))
			.withPort(Integer.parseInt(parts.group(2)));
	}

	@Override
	public String toString() {
		return "RedisProperties["
				+ ((this.url != null) ? "url=(set)" : (this.sentinel != null) ? "sentinel=" + this.sentinel.master()
						: (this.cluster != null) ? "cluster" : this.host + ":" + this.port)
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
			validateNodes("spring.data.redis.sentinel.nodes", this.nodes);
		}

		/** The master's address, through the sentinels. */
		RedisURI.Builder builder(boolean ssl) {
			RedisURI.Builder builder = RedisURI.builder()
				.withSentinelMasterId(java.util.Objects.requireNonNull(this.master));
			for (String node : java.util.Objects.requireNonNull(this.nodes)) {
				RedisURI.Builder sentinel = address(node).withSsl(ssl);
				authenticate(sentinel, this.username, this.password);
				builder.withSentinel(sentinel.build());
			}
			return builder;
		}

	}

	/**
	 * Redis Cluster ({@code spring.data.redis.cluster}).
	 *
	 * @param nodes some of the cluster's nodes, {@code host:port}
	 * @param maxRedirects how many MOVED/ASK redirects one command follows (default 5)
	 */
	public record Cluster(List<String> nodes, int maxRedirects) {

		@ConstructorBinding
		public Cluster(@Nullable List<String> nodes, @Nullable Integer maxRedirects) {
			this((nodes != null) ? nodes : List.of(), (maxRedirects != null) ? maxRedirects : 5);
		}

		void validate() {
			validateNodes("spring.data.redis.cluster.nodes", this.nodes);
			if (this.maxRedirects < 1) {
				throw new IllegalArgumentException("spring.data.redis.cluster.max-redirects must be at least 1");
			}
		}

	}

	/**
	 * TLS, to the Redis, the sentinels and every cluster node alike.
	 *
	 * @param enabled connect with TLS ({@code rediss://} in a URL says the same); the
	 * server's certificate must chain to a CA the JVM trusts, or to the bundle's
	 * @param bundle a Spring SSL bundle ({@code spring.ssl.bundle.pem.<name>...}) with
	 * the CA to trust (and a client certificate, if Redis asks for one); setting it turns
	 * TLS on
	 */
	public record Ssl(boolean enabled, @Nullable String bundle) {

		@ConstructorBinding
		public Ssl(@Nullable Boolean enabled, @Nullable String bundle) {
			this((enabled != null && enabled) || (bundle != null && !bundle.isBlank()),
					(bundle != null && !bundle.isBlank()) ? bundle : null);
		}

	}

}
