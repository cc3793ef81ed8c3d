package dev.portalgateway.ratelimit;

import java.time.Duration;

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
 */
@ConfigurationProperties("spring.data.redis")
public record RedisProperties(@Nullable String url, String host, int port, @Nullable String username,
		@Nullable String password, int database, Ssl ssl, Duration connectTimeout) {

	@ConstructorBinding
	public RedisProperties(@Nullable String url, @Nullable String host, @Nullable Integer port,
			@Nullable String username, @Nullable String password, @Nullable Integer database, @Nullable Ssl ssl,
			@Nullable Duration connectTimeout) {
		this(blankToNull(url), (host != null && !host.isBlank()) ? host : "localhost", (port != null) ? port : 6379,
				blankToNull(username), blankToNull(password), (database != null) ? database : 0,
				(ssl != null) ? ssl : new Ssl(false),
				(connectTimeout != null) ? connectTimeout : Duration.ofSeconds(2));
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
		if (this.url != null) {
			uri = RedisURI.create(this.url);
		}
		else {
			RedisURI.Builder builder = RedisURI.builder()
				.withHost(this.host)
				.withPort(this.port)
				.withDatabase(this.database)
				.withSsl(this.ssl.enabled());
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

	@Override
	public String toString() {
		return "RedisProperties[" + ((this.url != null) ? "url=(set)" : this.host + ":" + this.port) + "]";
	}

	/**
	 * TLS.
	 *
	 * @param enabled connect with TLS ({@code rediss://} in a URL says the same)
	 */
	public record Ssl(boolean enabled) {
	}

}
