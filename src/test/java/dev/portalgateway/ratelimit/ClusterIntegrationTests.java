package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.portalgateway.Await;
import dev.portalgateway.Poll;
import dev.portalgateway.RedisProcess;
import dev.portalgateway.TestRedisCluster;
import dev.portalgateway.WorkOsFixtures;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared budget on a Redis Cluster (three masters, each with a replica, all real
 * servers): three gateway replicas learn the topology from the nodes, keep each WorkOS
 * key's data on one slot, share one budget, and follow a master's failover under load
 * without a 5xx.
 */
class ClusterIntegrationTests extends ReplicaFleet {

	@RegisterExtension
	static WireMockExtension workOs = WorkOsFixtures.workOs();

	private TestRedisCluster redis;

	private void startReplicas(String... settings) {
		this.redis = TestRedisCluster.start();
		startThree((args) -> RedisReplica.startOverCluster(this.redis.nodesProperty(), workOs.baseUrl(), args),
				settings);
		workOsCreatesLinks(workOs);
	}

	@Override
	void stopRedis() {
		if (this.redis != null) {
			this.redis.close();
		}
	}

	@Test
	void threeReplicasOverAClusterShareOneBudget() {
		int limit = 10;
		startReplicas("--gateway.rate-limit.portal-links.limit=" + limit);
		assertSixtyRequestsShareOneBudget(workOs, limit);
		// Every key of the WorkOS key sits on one master (one slot).
		assertThat(this.redis.masters()).filteredOn((master) -> !master.commands().keys("{gw:*").isEmpty()).hasSize(1);
		assertThat(health(0))
			.contains("\"rateLimitStore\":{\"details\":{\"topology\":\"cluster\",\"replicas\":3},\"status\":\"UP\"}")
			.doesNotContain("127.0.0.1");
	}

	@Test
	void followsAKilledMastersReplicaUnderLoadAtTheDefaults() {
		startReplicas();
		int holder = holderOfTheKeys();
		RedisProcess master = this.redis.masters().get(holder);
		Failover.Run run = Failover.underLoad(this, master::kill);
		run.report("followsAKilledMastersReplicaUnderLoadAtTheDefaults", WorkOsFixtures.linkRequests(workOs).size());
		run.assertNoFailures();
		Failover.awaitSharedAgain(this, run, this.redis.replicaOf(holder), this.redis::logs);
		Failover.assertCallsAtTheDefaults(WorkOsFixtures.linkRequests(workOs).size());
	}

	@Test
	void aWindowAfterAKilledMasterTheBudgetIsExactAgain() {
		// A 2 s window instead of 60 s, so that the 12 s run holds windows before, during
		// and well after the failover (the test above runs the same load at the
		// defaults).
		startReplicas("--gateway.rate-limit.portal-links.limit=10", "--gateway.rate-limit.portal-links.period=2s");
		int holder = holderOfTheKeys();
		Failover.Run run = Failover.underLoad(this, this.redis.masters().get(holder)::kill);
		run.report("aWindowAfterAKilledMasterTheBudgetIsExactAgain", WorkOsFixtures.linkRequests(workOs).size());
		run.assertNoFailures();
		// The cluster needs its node timeout (1 s here), an election and Lettuce's
		// topology
		// refresh before the replica takes over: exact from 5 s after the kill plus a
		// window.
		run.assertWindows(WorkOsFixtures.linkRequests(workOs), 10, Duration.ofSeconds(2), Duration.ofSeconds(5));
		Failover.awaitSharedAgain(this, run, this.redis.replicaOf(holder), this.redis::logs);
	}

	@Test
	void aStoreWhoseClientNeverRefreshesTheTopologyFindsThePromotedReplica() {
		// A cluster client that never refreshes the topology by itself, as Lettuce's did
		// once after a failover on a busy machine (it kept sending to the dead master):
		// the store drops the connection after failed heartbeats, and a new connection
		// reads the topology first.
		this.redis = TestRedisCluster.start();
		List<RedisURI> nodes = clusterProperties().clusterUris();
		ClusterClientOptions neverRefreshes = ClusterClientOptions.builder()
			.topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().build())
			.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.build();
		SharedQuotaStore store = new SharedQuotaStore(
				(resources) -> new RedisConnector.Cluster(nodes, neverRefreshes, resources), Duration.ofSeconds(2),
				"stale", 1, DEFAULT_REDIS_TIMEOUT, new SimpleMeterRegistry());
		// The cluster's node timeout (1 s here) and an election, then at most
		// RECONNECT_AFTER failed heartbeats, a second or two each.
		assertStoreFindsThePromotedReplica(store, "stale", RedisProcess::kill, Duration.ofSeconds(30));
	}

	@Test
	void aStoreFindsThePromotedReplicaWhileTheOldMasterHangs() {
		// A hung master (a stopped process) still accepts connections and answers
		// nothing: every topology read waits for it, for Lettuce's own timeout, which is
		// the connect timeout (2 s) rather than Lettuce's default of a minute.
		this.redis = TestRedisCluster.start();
		SharedQuotaStore store = new SharedQuotaStore(clusterProperties(), null, "hung", 1, DEFAULT_REDIS_TIMEOUT,
				new SimpleMeterRegistry());
		assertStoreFindsThePromotedReplica(store, "hung", RedisProcess::freeze, Duration.ofSeconds(20));
	}

	/** The default, as the gateway binds it. */
	private static final Duration DEFAULT_REDIS_TIMEOUT = new RateLimitProperties(null, null).redisTimeout();

	/** The settings of a gateway on this cluster: all its nodes, the rest defaults. */
	private RedisProperties clusterProperties() {
		return new RedisProperties(null, null, null, null, null, null, null, null, null,
				new RedisProperties.Cluster(List.of(this.redis.nodesProperty().split(",")), null));
	}

	/**
	 * Fails the master that holds the store's keys as {@code failure} does, then waits
	 * for the store to be degraded, and back on the promoted replica within
	 * {@code within}; closes the store and kills that master at the end.
	 */
	private void assertStoreFindsThePromotedReplica(SharedQuotaStore store, String fingerprint,
			Consumer<RedisProcess> failure, Duration within) {
		try {
			assertThat(Await.value(store.heartbeat())).isOne();
			store.startHeartbeats();
			int holder = holderOfTheKeys();
			RedisProcess master = this.redis.masters().get(holder);
			try {
				failure.accept(master);
				Poll.until(Duration.ofSeconds(10), store::isDegraded, () -> "The store did not notice the master");
				Poll.until(within, () -> !store.isDegraded(),
						() -> "The store stayed on the failed master:\n" + this.redis.logs());
				assertThat(this.redis.replicaOf(holder).commands().keys("{gw:" + fingerprint + "}:replicas"))
					.hasSize(1);
			}
			finally {
				master.kill();
			}
		}
		finally {
			store.stopHeartbeats();
		}
	}

	/**
	 * The master that holds the gateway's keys (one slot), once heartbeats wrote them.
	 */
	private int holderOfTheKeys() {
		for (int i = 0; i < 3; i++) {
			if (!this.redis.masters().get(i).commands().keys("{gw:*").isEmpty()) {
				return i;
			}
		}
		throw new IllegalStateException("No master holds the gateway's keys");
	}

}
