package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import dev.portalgateway.Await;
import dev.portalgateway.RedisProcess;
import dev.portalgateway.TestRedisCluster;
import dev.portalgateway.TestRedisSentinel;
import dev.portalgateway.TlsCertificates;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every part of the Redis store (heartbeats, the sliding window, the fair share and its
 * view for the {@code quotas} endpoint, the shared cool-down) on each topology: one
 * Redis, Redis with Sentinel, and a Redis Cluster, each in the clear and with TLS only (a
 * certificate the JVM does not trust, given as an SSL bundle), all real servers started
 * once per topology. Two stores stand for two replicas.
 */
class RedisTopologiesTests {

	enum Topology {

		STANDALONE, SENTINEL, CLUSTER, STANDALONE_TLS_ACL, SENTINEL_TLS_ACL, CLUSTER_TLS_ACL;

		boolean secured() {
			return name().endsWith("_TLS_ACL");
		}

		RedisProcess.Setup setup() {
			return secured() ? new RedisProcess.Setup(TLS, true) : RedisProcess.Setup.PLAIN;
		}

		String topology() {
			return name().replace("_TLS_ACL", "").toLowerCase(java.util.Locale.ROOT);
		}

	}

	/**
	 * The servers' certificate, self-signed; the stores trust it through an SSL bundle.
	 */
	private static final TlsCertificates TLS = TlsCertificates.forLocalhost();

	private static final Map<Topology, AutoCloseable> servers = new EnumMap<>(Topology.class);

	@AfterAll
	static void stopServers() throws Exception {
		for (AutoCloseable server : servers.values()) {
			server.close();
		}
	}

	@ParameterizedTest
	@EnumSource(Topology.class)
	void everyPartOfTheStoreWorks(Topology topology) {
		RedisProperties redis = properties(topology);
		String fingerprint = "topo" + topology.ordinal() + Long.toHexString(System.nanoTime() & 0xffff);
		SslBundle tls = topology.secured() ? SslBundle
			.of(new PemSslStoreBundle(null, PemSslStoreDetails.forCertificate(TLS.certificate().toUri().toString())))
				: null;
		SharedQuotaStore one = store(redis, tls, fingerprint);
		SharedQuotaStore other = store(redis, tls, fingerprint);
		try {
			assertThat(one.topology()).isEqualTo(topology.topology());
			assertThat(one.isDegraded()).isFalse();
			Await.value(one.heartbeat());
			assertThat(Await.value(other.heartbeat())).isEqualTo(2);

			FairShare.Claimant team = new FairShare.Claimant("team-a", 1, Integer.MAX_VALUE);
			Duration window = Duration.ofSeconds(30);
			assertThat(Await.value(one.acquireFair(2, window, "p1", Duration.ofSeconds(1), team)).verdict())
				.isEqualTo(FairShare.Verdict.GRANTED);
			assertThat(Await.value(other.acquireFair(2, window, "p2", Duration.ofSeconds(1), team)).verdict())
				.isEqualTo(FairShare.Verdict.GRANTED);
			FairDecision third = Await.value(one.acquireFair(2, window, "p3", Duration.ofSeconds(1), team));
			assertThat(third.decision().granted()).isFalse();
			FairShare.View view = Await.value(other.fairView(2, window));
			assertThat(view.used()).isEqualTo(2);
			assertThat(view.callers()).containsKey("team-a");

			assertThat(Await.value(one.acquire(Operation.PROVIDER_ICONS, 1, window)).granted()).isTrue();
			assertThat(Await.value(other.acquire(Operation.PROVIDER_ICONS, 1, window)).granted()).isFalse();

			assertThat(Await.value(other.cooldownRemaining())).isEqualTo(Duration.ZERO);
			Await.value(one.coolDown(Duration.ofSeconds(20)));
			assertThat(Await.value(other.cooldownRemaining())).isBetween(Duration.ofSeconds(15),
					Duration.ofSeconds(20));
			assertThat(one.isDegraded()).isFalse();
			assertThat(other.isDegraded()).isFalse();
		}
		finally {
			one.stopHeartbeats();
			other.stopHeartbeats();
		}
		if (topology.secured()) {
			// The control: without the ACL user, the same servers let no store in.
			SharedQuotaStore stranger = store(withoutCredentials(redis), tls, fingerprint);
			try {
				assertThat(stranger.isDegraded()).isTrue();
			}
			finally {
				stranger.stopHeartbeats();
			}
		}
	}

	private static RedisProperties withoutCredentials(RedisProperties redis) {
		return new RedisProperties(redis.url(), redis.host(), redis.port(), null, null, redis.database(), redis.ssl(),
				redis.connectTimeout(), redis.sentinel(), redis.cluster());
	}

	@org.junit.jupiter.api.Test
	void followsASlotThatMovesToAnotherMaster() {
		RedisProperties redis = properties(Topology.CLUSTER);
		TestRedisCluster cluster = (TestRedisCluster) servers.get(Topology.CLUSTER);
		String fingerprint = "move" + Long.toHexString(System.nanoTime() & 0xffff);
		SharedQuotaStore store = store(redis, null, fingerprint);
		try {
			Duration window = Duration.ofSeconds(30);
			assertThat(Await.value(store.acquire(Operation.PROVIDER_ICONS, 2, window)).granted()).isTrue();
			RedisProcess owner = cluster.moveSlotOf("{gw:" + fingerprint + "}:quota");
			// The client still thinks the old master owns the slot: MOVED, followed. The
			// log
			// moved with the slot, so the budget counts the permit taken before.
			assertThat(Await.value(store.acquire(Operation.PROVIDER_ICONS, 2, window)).granted()).isTrue();
			assertThat(Await.value(store.acquire(Operation.PROVIDER_ICONS, 2, window)).granted()).isFalse();
			assertThat(owner.commands().keys("{gw:" + fingerprint + "}*")).isNotEmpty();
			assertThat(store.isDegraded()).isFalse();
		}
		finally {
			store.stopHeartbeats();
		}
	}

	@org.junit.jupiter.api.Test
	void aGatewayTrustsItsRedisThroughAnSslBundle() {
		RedisProcess redis = (RedisProcess) servers.computeIfAbsent(Topology.STANDALONE_TLS_ACL,
				(key) -> RedisProcess.start(key.setup(), false));
		// As an operator writes it: the CA as a PEM bundle, named by the Redis settings.
		try (org.springframework.context.ConfigurableApplicationContext gateway = RedisReplica.startWith(
				"http://127.0.0.1:1",
				List.of("--spring.data.redis.host=127.0.0.1", "--spring.data.redis.port=" + redis.port(),
						"--spring.data.redis.username=" + RedisProcess.Setup.USER,
						"--spring.data.redis.password=" + RedisProcess.Setup.PASSWORD,
						"--spring.ssl.bundle.pem.redis.truststore.certificate=" + TLS.certificate().toUri(),
						"--spring.data.redis.ssl.bundle=redis", "--gateway.callers[0].name=billing",
						"--gateway.callers[0].token-sha256=" + dev.portalgateway.TestCallers.sha256("t0000000000"),
						"--gateway.callers[0].intents=sso"))) {
			SharedQuotaStore store = gateway.getBean(SharedQuotaStore.class);
			assertThat(store.isDegraded()).isFalse();
			assertThat(Await.value(store.heartbeat())).isEqualTo(1);
		}
	}

	private static SharedQuotaStore store(RedisProperties redis, @Nullable SslBundle tls, String fingerprint) {
		// redis-timeout 1 s: the machine's speed must not decide (the fleet tests run
		// the defaults).
		return new SharedQuotaStore(redis, tls, fingerprint, 1, Duration.ofSeconds(1), new SimpleMeterRegistry());
	}

	private static RedisProperties properties(Topology topology) {
		RedisProperties.Ssl ssl = new RedisProperties.Ssl(topology.secured(), null);
		String user = topology.secured() ? RedisProcess.Setup.USER : null;
		String password = topology.secured() ? RedisProcess.Setup.PASSWORD : null;
		return switch (topology) {
			case STANDALONE, STANDALONE_TLS_ACL -> {
				RedisProcess redis = (RedisProcess) servers.computeIfAbsent(topology,
						(key) -> RedisProcess.start(key.setup(), false));
				yield new RedisProperties(null, "127.0.0.1", redis.port(), user, password, null, ssl, null);
			}
			case SENTINEL, SENTINEL_TLS_ACL -> {
				TestRedisSentinel redis = (TestRedisSentinel) servers.computeIfAbsent(topology,
						(key) -> TestRedisSentinel.start(key.setup()));
				yield new RedisProperties(null, null, null, user, password, null, ssl, null,
						new RedisProperties.Sentinel(TestRedisSentinel.MASTER, List.of(redis.nodes().split(",")), null,
								null),
						null);
			}
			case CLUSTER, CLUSTER_TLS_ACL -> {
				TestRedisCluster redis = (TestRedisCluster) servers.computeIfAbsent(topology,
						(key) -> TestRedisCluster.start(key.setup()));
				yield new RedisProperties(null, null, null, user, password, null, ssl, null, null,
						new RedisProperties.Cluster(List.of(redis.nodesProperty().split(",")), null));
			}
		};
	}

}
