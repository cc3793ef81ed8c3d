package dev.portalgateway.ratelimit;

import java.time.Duration;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.portalgateway.RedisProcess;
import dev.portalgateway.TestRedisCluster;
import dev.portalgateway.WorkOsFixtures;
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
