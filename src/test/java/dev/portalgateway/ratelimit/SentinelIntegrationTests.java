package dev.portalgateway.ratelimit;

import java.time.Duration;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.portalgateway.TestRedisSentinel;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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
		startThree((args) -> RedisReplica.startOverSentinel(TestRedisSentinel.MASTER, this.redis.nodes(),
				workOs.baseUrl(), args), settings);
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
		assertSixtyRequestsShareOneBudget(workOs, limit);
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
