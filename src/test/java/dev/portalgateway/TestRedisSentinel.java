package dev.portalgateway;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import redis.embedded.RedisSentinel;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * Redis with Sentinel for tests, on free ports: a master, a replica and three sentinels
 * (quorum 2, a master down after 1 s), from the machine's {@code redis-server} when there
 * is one, else the binary embedded-redis ships (it runs in both modes).
 */
public final class TestRedisSentinel implements AutoCloseable {

	/** The name the sentinels monitor the master by. */
	public static final String MASTER = "gateway-master";

	private final TestRedis master;

	private final RedisServer replica;

	private final List<RedisSentinel> sentinels = new ArrayList<>();

	private final List<Integer> sentinelPorts = new ArrayList<>();

	private TestRedisSentinel() throws IOException {
		ExecutableProvider binary = binary();
		this.master = TestRedis.start();
		this.replica = RedisServer.newRedisServer()
			.executableProvider(binary)
			.port(freePort())
			.bind("127.0.0.1")
			.slaveOf("127.0.0.1", this.master.port())
			.setting("save \"\"")
			.setting("appendonly no")
			.build();
		this.replica.start();
		for (int i = 0; i < 3; i++) {
			int port = freePort();
			RedisSentinel sentinel = RedisSentinel.newRedisSentinel()
				.executableProvider(binary)
				.bind("127.0.0.1")
				.port(port)
				.masterName(MASTER)
				.masterPort(this.master.port())
				.quorumSize(2)
				.downAfterMilliseconds(1000)
				.failOverTimeout(3000)
				.build();
			sentinel.start();
			this.sentinels.add(sentinel);
			this.sentinelPorts.add(port);
		}
	}

	public static TestRedisSentinel start() {
		try {
			return new TestRedisSentinel();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The sentinels, as {@code spring.data.redis.sentinel.nodes} takes them. */
	public String nodes() {
		return this.sentinelPorts.stream().map((port) -> "127.0.0.1:" + port).collect(Collectors.joining(","));
	}

	/** The master as it was at start. */
	public TestRedis master() {
		return this.master;
	}

	@Override
	public void close() {
		for (RedisSentinel sentinel : this.sentinels) {
			stop(sentinel);
		}
		stop(this.replica);
		this.master.stop();
	}

	private static void stop(redis.embedded.Redis redis) {
		try {
			redis.stop();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static ExecutableProvider binary() {
		try {
			return ExecutableProvider.newExecutableInPath("redis-server");
		}
		catch (FileNotFoundException ex) {
			return ExecutableProvider.newJarResourceProvider();
		}
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
