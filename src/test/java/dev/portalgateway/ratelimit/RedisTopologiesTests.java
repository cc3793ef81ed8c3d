package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

import dev.portalgateway.Await;
import dev.portalgateway.TestRedis;
import dev.portalgateway.TestRedisCluster;
import dev.portalgateway.TestRedisSentinel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every part of the Redis store (heartbeats, the sliding window, the fair share and its
 * view for the {@code quotas} endpoint, the shared cool-down) on each topology: one
 * Redis, Redis with Sentinel, and a Redis Cluster, all real servers started once per
 * topology. Two stores stand for two replicas.
 */
class RedisTopologiesTests {

	enum Topology {

		STANDALONE, SENTINEL, CLUSTER

	}

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
		SharedQuotaStore one = store(redis, fingerprint);
		SharedQuotaStore other = store(redis, fingerprint);
		try {
			assertThat(one.topology()).isEqualTo(topology.name().toLowerCase(java.util.Locale.ROOT));
			assertThat(one.isDegraded()).isFalse();
			Await.value(one.heartbeat());
			assertThat(Await.value(other.heartbeat())).isEqualTo(2);

			FairShare.Claimant team = new FairShare.Claimant("team-a", 1, Integer.MAX_VALUE);
			Duration window = Duration.ofSeconds(30);
			assertThat(Await.value(one.acquireFair(2, window, "p1", Duration.ofSeconds(1), team)).verdict())
				.isEqualTo(FairShare.Verdict.GRANTED);
			assertThat(Await.value(other.acquireFair(2, window, "p2", Duration.ofSeconds(1), team)).verdict())
				.isEqualTo(FairShare.Verdict.GRANTED);
			SharedQuotaStore.FairDecision third = Await
				.value(one.acquireFair(2, window, "p3", Duration.ofSeconds(1), team));
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
	}

	private static SharedQuotaStore store(RedisProperties redis, String fingerprint) {
		// redis-timeout 1 s: the machine's speed must not decide (the fleet tests run
		// the defaults).
		return new SharedQuotaStore(redis, fingerprint, 1, Duration.ofSeconds(1), new SimpleMeterRegistry());
	}

	private static RedisProperties properties(Topology topology) {
		return switch (topology) {
			case STANDALONE -> {
				TestRedis redis = (TestRedis) servers.computeIfAbsent(topology, (key) -> TestRedis.start());
				yield new RedisProperties(redis.url(), null, null, null, null, null, null, null);
			}
			case SENTINEL -> {
				TestRedisSentinel redis = (TestRedisSentinel) servers.computeIfAbsent(topology,
						(key) -> TestRedisSentinel.start());
				yield new RedisProperties(null, null, null, null, null, null, null, null, new RedisProperties.Sentinel(
						TestRedisSentinel.MASTER, java.util.List.of(redis.nodes().split(",")), null, null), null);
			}
			case CLUSTER -> {
				TestRedisCluster redis = (TestRedisCluster) servers.computeIfAbsent(topology,
						(key) -> TestRedisCluster.start());
				yield new RedisProperties(null, null, null, null, null, null, null, null, null,
						new RedisProperties.Cluster(java.util.List.of(redis.nodesProperty().split(",")), null));
			}
		};
	}

}
