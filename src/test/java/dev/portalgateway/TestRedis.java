package dev.portalgateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;

import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import reactor.core.publisher.Mono;
import redis.embedded.RedisServer;

/**
 * A real Redis server for tests: the machine's {@code redis-server} when there is one,
 * else the Redis 6.2 binary that embedded-redis ships in its jar. No test is skipped for
 * lack of Redis.
 */
public final class TestRedis implements AutoCloseable {

	private final int port;

	private RedisServer server;

	private TestLettuce client;

	private TestRedis(int port) {
		this.port = port;
	}

	public static TestRedis start() {
		TestRedis redis = new TestRedis(Machine.freePort());
		redis.restart();
		return redis;
	}

	/** Starts (again) on the same port. */
	public void restart() {
		try {
			Optional<Path> installed = Machine.onPath("redis-server");
			this.server = installed.isPresent() ? new RedisServer(this.port, installed.get().toFile())
					: RedisServer.newRedisServer()
						.executableProvider(RedisProcess::binary)
						.port(this.port)
						.setting("save \"\"")
						.setting("appendonly no")
						.bind("127.0.0.1")
						.build();
			this.server.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public void stop() {
		if (this.client != null) {
			this.client.close();
			this.client = null;
		}
		try {
			this.server.stop();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public int port() {
		return this.port;
	}

	public String url() {
		return "redis://127.0.0.1:" + this.port;
	}

	/** Commands on a connection of their own, for tests that look into Redis directly. */
	public RedisReactiveCommands<String, String> commands() {
		if (this.client == null) {
			this.client = new TestLettuce(io.lettuce.core.RedisURI.create(url()));
		}
		return this.client.client().connect().reactive();
	}

	/**
	 * A {@code CLIENT} subcommand ({@code PAUSE 100 ALL}, {@code UNPAUSE},
	 * {@code KILL TYPE normal}) on the given connection, for tests that make Redis slow
	 * or drop its clients.
	 */
	public static Mono<String> client(RedisReactiveCommands<String, String> commands, String... args) {
		CommandArgs<String, String> command = new CommandArgs<>(StringCodec.UTF8);
		for (String arg : args) {
			command.add(arg);
		}
		return commands.<String>dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8), command).next();
	}

	@Override
	public void close() {
		stop();
	}

}
