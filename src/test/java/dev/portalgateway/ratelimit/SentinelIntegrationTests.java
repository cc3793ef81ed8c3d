package dev.portalgateway.ratelimit;

import java.util.List;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.portalgateway.Await;
import dev.portalgateway.TestCallers;
import dev.portalgateway.TestRedisSentinel;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared budget on Redis with Sentinel (a master, a replica, three sentinels, all
 * real servers): three gateway replicas find the master through the sentinels and share
 * one budget, at the default settings.
 */
class SentinelIntegrationTests extends ReplicaFleet {

	@RegisterExtension
	static WireMockExtension workOs = WorkOsFixtures.workOs();

	private static final int LIMIT = 10;

	private TestRedisSentinel redis;

	@BeforeEach
	void startReplicas() {
		this.redis = TestRedisSentinel.start();
		for (int i = 0; i < 3; i++) {
			this.replicas.add(RedisReplica.startOverSentinel(TestRedisSentinel.MASTER, this.redis.nodes(),
					workOs.baseUrl(), "--gateway.callers[0].name=billing",
					"--gateway.callers[0].token-sha256=" + TestCallers.sha256(TestCallers.BILLING_TOKEN),
					"--gateway.callers[0].intents=sso", "--gateway.rate-limit.expected-replicas=3",
					"--gateway.rate-limit.portal-links.limit=" + LIMIT));
		}
		workOsCreatesLinks(workOs);
	}

	@Override
	void stopRedis() {
		this.redis.close();
	}

	@Test
	void threeReplicasOverSentinelShareOneBudget() {
		assertThat(this.replicas)
			.allSatisfy((replica) -> assertThat(replica.getBean(SharedQuotaStore.class).isDegraded()).isFalse());
		List<Integer> statuses = Await.value(Flux.range(0, 60).flatMap((i) -> call(i % 3), 30).collectList());
		assertThat(statuses).containsOnly(201, 429);
		assertThat(WorkOsFixtures.linkRequests(workOs)).hasSizeBetween(LIMIT - 2, LIMIT);
	}

	private Mono<Integer> call(int replica) {
		return link(TestCallers.BILLING_TOKEN, replica);
	}

}
