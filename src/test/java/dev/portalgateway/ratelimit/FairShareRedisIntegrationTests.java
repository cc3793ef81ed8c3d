package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.portalgateway.Await;
import dev.portalgateway.TestCallers;
import dev.portalgateway.TestRedis;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fair share across two replicas on one real Redis: the decision is the script's, so
 * it holds whichever replica a request lands on. Redis keeps its own time, so this runs
 * in real time, with a short window (20 links per 2 s; the 10 s would take a
 * minute).
 */
class FairShareRedisIntegrationTests extends ReplicaFleet {

	@RegisterExtension
	static WireMockExtension workOs = WorkOsFixtures.workOs();

	private static final int LIMIT = 20;

	private static final Duration WINDOW = Duration.ofSeconds(2);

	private TestRedis redis;

	@BeforeEach
	void startReplicas() {
		this.redis = TestRedis.start();
		for (int i = 0; i < 2; i++) {
			this.replicas.add(RedisReplica.start(this.redis.url(), workOs.baseUrl(), "--gateway.callers[0].name=team-a",
					"--gateway.callers[0].token-sha256=" + TestCallers.sha256("team-a-token-0000000000"),
					"--gateway.callers[0].intents=sso", "--gateway.callers[1].name=team-b",
					"--gateway.callers[1].token-sha256=" + TestCallers.sha256("team-b-token-0000000000"),
					"--gateway.callers[1].intents=sso", "--gateway.callers[2].name=heavy",
					"--gateway.callers[2].token-sha256=" + TestCallers.sha256("heavy-token-0000000000"),
					"--gateway.callers[2].intents=sso", "--gateway.callers[2].weight=3",
					"--gateway.callers[3].name=capped",
					"--gateway.callers[3].token-sha256=" + TestCallers.sha256("capped-token-0000000000"),
					"--gateway.callers[3].intents=sso", "--gateway.callers[3].max-links=3",
					"--gateway.rate-limit.expected-replicas=2", "--gateway.rate-limit.portal-links.limit=" + LIMIT,
					"--gateway.rate-limit.portal-links.period=" + WINDOW.toMillis() + "ms"));
		}
		workOsCreatesLinks(workOs);
	}

	@Override
	void stopRedis() {
		this.redis.stop();
	}

	@Test
	void aQuietTeamGetsEveryLinkWhileANoisyOneHammersBothReplicas() {
		// B asks first (a team that has not asked in the window has nothing reserved),
		// then every 300 ms, alternating replicas, for 4 s; A hammers both with 6 at
		// once.
		assertThat(Await.value(call("team-b", 0))).isEqualTo(201);
		AtomicBoolean running = new AtomicBoolean(true);
		AtomicInteger noisyCreated = new AtomicInteger();
		AtomicInteger noisyRefused = new AtomicInteger();
		Mono<Void> noisy = Flux.range(0, Integer.MAX_VALUE)
			.takeWhile((i) -> running.get())
			.flatMap((i) -> call("team-a", i % 2), 6)
			.doOnNext((status) -> (status == 201 ? noisyCreated : noisyRefused).incrementAndGet())
			.then();
		Mono<List<Integer>> quiet = Flux.interval(Duration.ofMillis(300))
			.take(13)
			.concatMap((tick) -> call("team-b", (int) (tick % 2)))
			.collectList()
			.doFinally((signal) -> running.set(false));
		List<Integer> quietStatuses = Await.value(Mono.zip(quiet, noisy.thenReturn(true)).map((both) -> both.getT1()));
		assertThat(quietStatuses).hasSize(13).containsOnly(201);
		assertThat(noisyCreated.get()).isPositive();
		assertThat(noisyRefused.get()).as("A is held to its share").isPositive();
		// WorkOS logs arrivals a little after Redis admitted them: 500 ms margin, as in
		// SharedQuotaIntegrationTests.
		List<Long> times = WorkOsFixtures.linkRequests(workOs)
			.stream()
			.map((request) -> request.getLoggedDate().getTime())
			.sorted()
			.toList();
		int busiest = 0;
		for (int first = 0, last = 0; last < times.size(); last++) {
			while (times.get(last) - times.get(first) >= WINDOW.toMillis() - 500) {
				first++;
			}
			busiest = Math.max(busiest, last - first + 1);
		}
		assertThat(busiest).isLessThanOrEqualTo(LIMIT);
		assertThat(this.replicas)
			.allSatisfy((replica) -> assertThat(replica.getBean(SharedQuotaStore.class).isDegraded()).isFalse());
	}

	@Test
	void aloneATeamMayUseTheWholeBudgetAcrossReplicas() {
		List<Integer> statuses = Await.value(Flux.range(0, 30).flatMap((i) -> call("team-a", i % 2), 6).collectList());
		assertThat(statuses.stream().filter((status) -> status == 201).count()).isBetween((long) LIMIT - 1,
				(long) LIMIT);
	}

	@Test
	void maxLinksCapsATeamAcrossReplicas() {
		List<Integer> statuses = Await.value(Flux.range(0, 6).concatMap((i) -> call("capped", i % 2)).collectList());
		assertThat(statuses).containsExactly(201, 201, 201, 429, 429, 429);
	}

	@Test
	void weightsThreeToOneSplitASaturatedBudgetAcrossReplicas() {
		// Three windows, both teams always asking, on both replicas.
		AtomicInteger heavy = new AtomicInteger();
		AtomicInteger light = new AtomicInteger();
		Await.value(Flux.interval(Duration.ofMillis(100))
			.take(3 * WINDOW.toMillis() / 100)
			.concatMap((tick) -> Flux.range(0, 4)
				.flatMap((i) -> call((i % 2 == 0) ? "heavy" : "team-b", (int) (tick % 2)).doOnNext((status) -> {
					if (status == 201) {
						((i % 2 == 0) ? heavy : light).incrementAndGet();
					}
				}))
				.then())
			.then(Mono.just(true)));
		assertThat((double) heavy.get() / (heavy.get() + light.get())).isBetween(0.65, 0.85);
	}

	@Test
	void everyReplicaShowsTheSameSharesFromRedis() {
		for (int i = 0; i < 3; i++) {
			assertThat(Await.value(call("team-a", 0))).isEqualTo(201);
		}
		assertThat(Await.value(call("team-b", 1))).isEqualTo(201);
		for (int replica = 0; replica < 2; replica++) {
			String management = managementPort(replica);
			JsonNode quotas = JsonMapper.builder()
				.build()
				.readTree(Await.value(client().get()
					.uri("http://127.0.0.1:" + management + "/actuator/quotas")
					.retrieve()
					.bodyToMono(String.class)));
			assertThat(quotas.get("store").stringValue()).isEqualTo("redis");
			assertThat(quotas.get("operations").get("portal_links").get("used").intValue()).isEqualTo(4);
			assertThat(quotas.get("callers").get("team-a").get("used").intValue()).isEqualTo(3);
			assertThat(quotas.get("callers").get("team-a").get("share").doubleValue()).isEqualTo(10.0);
			assertThat(quotas.get("callers").get("team-b").get("used").intValue()).isEqualTo(1);
		}
	}

	private Mono<Integer> call(String caller, int replica) {
		return link(caller + "-token-0000000000", replica);
	}

}
