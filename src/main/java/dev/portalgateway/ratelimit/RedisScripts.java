package dev.portalgateway.ratelimit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;

import org.springframework.core.io.ClassPathResource;

/**
 * The store's Lua scripts (under {@code src/main/resources/ratelimit}), each run by its
 * SHA-1 and loaded by text the first time Redis does not know it.
 */
enum RedisScripts {

	/** A sliding-window log: one permit per call, idempotent per permit id. */
	WINDOW("sliding-window.lua"),

	/** Starts or lengthens the shared cool-down. */
	COOLDOWN("cooldown.lua"),

	/** The fair share of the link budget among callers. */
	FAIR("fair-share.lua"),

	/** The fair share's state, read for the {@code quotas} endpoint. */
	FAIR_VIEW("fair-share-view.lua"),

	/** A replica says it is alive and reads how many are. */
	HEARTBEAT("heartbeat.lua");

	private static final Log logger = LogFactory.getLog(SharedQuotaStore.class);

	private final String text;

	private final String sha;

	RedisScripts(String file) {
		this.text = read(file);
		this.sha = sha1(this.text);
	}

	/**
	 * Runs this script by hash, loading it by text the first time Redis does not know it.
	 */
	<T> Flux<T> eval(RedisClusterReactiveCommands<String, String> redis, ScriptOutputType type, String[] keys,
			String... args) {
		return redis.<T>evalsha(this.sha, type, keys, args)
			.onErrorResume(RedisNoScriptException.class, (missing) -> redis.<T>eval(this.text, type, keys, args));
	}

	/**
	 * Loads every script before the first request (on a Cluster, Lettuce loads each on
	 * every master), so the first burst does not pay for {@code NOSCRIPT} and a cold
	 * connection (and time out). Runs at startup, off the event loops; a failure only
	 * means the first calls load them by text.
	 */
	static void loadAll(RedisClusterReactiveCommands<String, String> commands, Duration timeout)
			throws InterruptedException {
		try {
			for (RedisScripts script : List.of(values())) {
				commands.scriptLoad(script.text).toFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
			}
		}
		catch (ExecutionException | TimeoutException ex) {
			logger.warn("Could not load the Redis scripts at startup (" + ex.getClass().getSimpleName()
					+ "); they will be loaded on first use");
		}
	}

	private static String read(String name) {
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

}
