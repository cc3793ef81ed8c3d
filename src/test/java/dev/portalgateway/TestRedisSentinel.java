package dev.portalgateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import io.lettuce.core.RedisURI;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;

/**
 * Redis with Sentinel for tests, on free ports: a master, a replica and three sentinels
 * (quorum 2, a master down after 1 s), each a {@link RedisProcess} of its own.
 */
public final class TestRedisSentinel implements AutoCloseable {

	/** The name the sentinels monitor the master by. */
	public static final String MASTER = "gateway-master";

	private final RedisProcess master;

	private final RedisProcess replica;

	private final List<RedisProcess> sentinels = new ArrayList<>();

	private final boolean tls;

	private TestRedisSentinel(RedisProcess.Setup setup) {
		this.tls = setup.tls() != null;
		this.master = RedisProcess.start(setup, false);
		this.replica = RedisProcess.start(setup, false, "replicaof 127.0.0.1 " + this.master.port());
		for (int i = 0; i < 3; i++) {
			this.sentinels.add(RedisProcess.start(setup, true,
					"sentinel monitor " + MASTER + " 127.0.0.1 " + this.master.port() + " 2",
					"sentinel down-after-milliseconds " + MASTER + " 1000",
					"sentinel failover-timeout " + MASTER + " 3000", "sentinel parallel-syncs " + MASTER + " 1",
					setup.acl() ? "sentinel auth-user " + MASTER + " " + RedisProcess.Setup.USER : "",
					setup.acl() ? "sentinel auth-pass " + MASTER + " \"" + RedisProcess.Setup.PASSWORD + "\"" : ""));
		}
		awaitReplicaKnown();
	}

	public static TestRedisSentinel start() {
		return new TestRedisSentinel(RedisProcess.Setup.PLAIN);
	}

	/** Servers and sentinels secured as {@code setup} says (TLS, ACL users). */
	public static TestRedisSentinel start(RedisProcess.Setup setup) {
		return new TestRedisSentinel(setup);
	}

	/** The sentinels, as {@code spring.data.redis.sentinel.nodes} takes them. */
	public String nodes() {
		return this.sentinels.stream().map(RedisProcess::address).collect(Collectors.joining(","));
	}

	/** The master as it was at start. */
	public RedisProcess master() {
		return this.master;
	}

	/** The replica as it was at start. */
	public RedisProcess replica() {
		return this.replica;
	}

	/** The master's port as the sentinels say now. */
	public int masterPort() {
		return withSentinel(
				(sentinel) -> ((java.net.InetSocketAddress) sentinel.sync().getMasterAddrByName(MASTER)).getPort());
	}

	/**
	 * Asks the sentinels for a failover ({@code SENTINEL FAILOVER}), as an operator
	 * would.
	 */
	public void failover() {
		withSentinel((sentinel) -> sentinel.sync().failover(MASTER));
	}

	/**
	 * Waits (up to 10 s) until every sentinel knows the replica: a sentinel learns of
	 * replicas from the master's {@code INFO}, and refuses a failover before it has.
	 */
	private void awaitReplicaKnown() {
		for (RedisProcess sentinel : this.sentinels) {
			TestLettuce client = new TestLettuce();
			try (StatefulRedisSentinelConnection<String, String> connection = client.client()
				.connectSentinel(uri(sentinel))) {
				Poll.until(Duration.ofSeconds(10),
						() -> !connection.sync().replicas(MASTER).isEmpty() && Integer
							.parseInt(connection.sync().master(MASTER).getOrDefault("num-other-sentinels", "0")) >= 2,
						() -> "The sentinel did not find the replica and the other sentinels:\n" + sentinel.log());
			}
			finally {
				client.close();
			}
		}
	}

	private <T> T withSentinel(java.util.function.Function<StatefulRedisSentinelConnection<String, String>, T> action) {
		TestLettuce client = new TestLettuce();
		try (StatefulRedisSentinelConnection<String, String> connection = client.client()
			.connectSentinel(uri(this.sentinels.get(0)))) {
			return action.apply(connection);
		}
		finally {
			client.close();
		}
	}

	private RedisURI uri(RedisProcess sentinel) {
		return RedisURI.builder()
			.withHost("127.0.0.1")
			.withPort(sentinel.port())
			.withSsl(this.tls)
			.withVerifyPeer(false)
			.build();
	}

	/** What the processes wrote, for a failing test's message. */
	public String logs() {
		StringBuilder logs = new StringBuilder();
		logs.append("--- master\n").append(this.master.log()).append("--- replica\n").append(this.replica.log());
		for (RedisProcess sentinel : this.sentinels) {
			logs.append("--- sentinel ").append(sentinel.port()).append('\n').append(sentinel.log());
		}
		return logs.toString();
	}

	@Override
	public void close() {
		this.sentinels.forEach(RedisProcess::close);
		this.replica.close();
		this.master.close();
	}

}
