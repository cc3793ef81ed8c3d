package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.portalgateway.Await;
import dev.portalgateway.TestRedisSentinel;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared budget on Redis with Sentinel (a master, a replica, three sentinels, all
 * real servers): three gateway replicas find the master through the sentinels, share one
 * budget, and follow a failover under load without a 5xx.
 */
class SentinelIntegrationTests extends ReplicaFleet {

	@RegisterExtension
	static WireMockExtension workOs = WorkOsFixtures.workOs();

	private TestRedisSentinel redis;

	private void startReplicas(String... settings) {
		this.redis = TestRedisSentinel.start();
		for (int i = 0; i < 3; i++) {
			List<String> args = new ArrayList<>(Failover.callers());
			args.add("--gateway.rate-limit.expected-replicas=3");
			args.addAll(List.of(settings));
			this.replicas.add(RedisReplica.startOverSentinel(TestRedisSentinel.MASTER, this.redis.nodes(),
					workOs.baseUrl(), args.toArray(String[]::new)));
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
	void threeReplicasOverSentinelShareOneBudget() {
		int limit = 10;
		startReplicas("--gateway.rate-limit.portal-links.limit=" + limit);
		assertThat(this.replicas)
			.allSatisfy((replica) -> assertThat(replica.getBean(SharedQuotaStore.class).isDegraded()).isFalse());
		List<Integer> statuses = Await
			.value(Flux.range(0, 60).flatMap((i) -> link(Failover.TOKENS.get(i % 3), i % 3), 30).collectList());
		assertThat(statuses).containsOnly(201, 429);
		assertThat(WorkOsFixtures.linkRequests(workOs)).hasSizeBetween(limit - 2, limit);
		assertThat(health(0))
			.contains("\"rateLimitStore\":{\"details\":{\"topology\":\"sentinel\",\"replicas\":3},\"status\":\"UP\"}")
			.doesNotContain("127.0.0.1")
			.doesNotContain(Integer.toString(this.redis.master().port()));
	}

	@Test
	void followsAFailoverUnderLoadAtTheDefaults() {
		startReplicas();
		Failover.Run run = Failover.underLoad(this, this.redis::failover);
		run.report("followsAFailoverUnderLoadAtTheDefaults", WorkOsFixtures.linkRequests(workOs).size());
		run.assertNoFailures();
		Failover.awaitSharedAgain(this, run, this.redis.replica(), this.redis::logs);
		Failover.assertCallsAtTheDefaults(WorkOsFixtures.linkRequests(workOs).size());
	}

	@Test
	void followsAKilledMaster() {
		startReplicas();
		Failover.Run run = Failover.underLoad(this, this.redis.master()::kill);
		run.report("followsAKilledMaster", WorkOsFixtures.linkRequests(workOs).size());
		run.assertNoFailures();
		Failover.awaitSharedAgain(this, run, this.redis.replica(), this.redis::logs);
		Failover.assertCallsAtTheDefaults(WorkOsFixtures.linkRequests(workOs).size());
	}

	@Test
	void aWindowAfterAFailoverTheBudgetIsExactAgain() {
		// A 2 s window instead of 60 s, so that the 12 s run holds windows before, during
		// and well after the failover (the test above runs the same load at the
		// defaults).
		startReplicas("--gateway.rate-limit.portal-links.limit=10", "--gateway.rate-limit.portal-links.period=2s");
		Failover.Run run = Failover.underLoad(this, this.redis::failover);
		run.report("aWindowAfterAFailoverTheBudgetIsExactAgain", WorkOsFixtures.linkRequests(workOs).size());
		run.assertNoFailures();
		run.assertWindows(WorkOsFixtures.linkRequests(workOs), 10, Duration.ofSeconds(2));
		Failover.awaitSharedAgain(this, run, this.redis.replica(), this.redis::logs);
	}

}
