package dev.portalgateway.ratelimit;

import java.util.ArrayList;
import java.util.List;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.portalgateway.Await;
import dev.portalgateway.RedisProcess;
import dev.portalgateway.TestRedisCluster;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;

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
		for (int i = 0; i < 3; i++) {
			List<String> args = new ArrayList<>(Failover.callers());
			args.add("--gateway.rate-limit.expected-replicas=3");
			args.addAll(List.of(settings));
			this.replicas.add(RedisReplica.startOverCluster(this.redis.nodesProperty(), workOs.baseUrl(),
					args.toArray(String[]::new)));
		}
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
		assertThat(this.replicas)
			.allSatisfy((replica) -> assertThat(replica.getBean(SharedQuotaStore.class).isDegraded()).isFalse());
		List<Integer> statuses = Await
			.value(Flux.range(0, 60).flatMap((i) -> link(Failover.TOKENS.get(i % 3), i % 3), 30).collectList());
		assertThat(statuses).containsOnly(201, 429);
		assertThat(WorkOsFixtures.linkRequests(workOs)).hasSizeBetween(limit - 2, limit);
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
