package dev.portalgateway.reliability;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.portalgateway.OwnNettyResources;
import dev.portalgateway.StubbedWorkOs;
import dev.portalgateway.TestCallers;
import dev.portalgateway.TestRedis;
import dev.portalgateway.WorkOsFixtures;
import dev.portalgateway.ratelimit.SharedQuotaStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.resources.ConnectionProvider;
import reactor.test.StepVerifier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.reactive.function.client.WebClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis killed and restarted while callers keep coming: no 5xx, every caller answered,
 * WorkOS never sees more than the degraded rule allows.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "gateway.rate-limit.store=redis",
				"gateway.rate-limit.expected-replicas=2", "gateway.rate-limit.portal-links.limit=10",
				"gateway.rate-limit.portal-links.period=2s" })
@Import(OwnNettyResources.class)
@StubbedWorkOs
class RedisOutageUnderLoadTests {

	static final TestRedis redis = TestRedis.start();

	@Autowired
	WireMockServer workOs;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.url", redis::url);
	}

	@AfterAll
	static void stopRedis() {
		redis.close();
	}

	@LocalServerPort
	int port;

	@Autowired
	SharedQuotaStore store;

	@Test
	void answersEveryoneWithinTheBudgetWhileRedisDiesAndComesBack() {
		workOs.stubFor(post("/portal/generate_link").willReturn(aResponse().withStatus(201)
			.withHeader("Content-Type", "application/json")
			.withBody(WorkOsFixtures.read("generate_link-201.json"))));
		ConnectionProvider connections = ConnectionProvider.builder("callers").maxConnections(100).build();
		WebClient client = TestCallers.webClient(this.port, connections);
		// 6 s of load, 10 requests every 100 ms; Redis dies after 1.5 s and returns at 4
		// s.
		// Stopping and starting a process blocks: off the parallel scheduler.
		CompletableFuture<Void> outage = Mono.delay(Duration.ofMillis(1500))
			.publishOn(Schedulers.boundedElastic())
			.doOnNext((tick) -> redis.stop())
			.then(Mono.delay(Duration.ofMillis(2500)))
			.publishOn(Schedulers.boundedElastic())
			.doOnNext((tick) -> redis.restart())
			.then()
			.toFuture();
		long start = System.nanoTime();
		List<Tally.Answer> answers = Flux.interval(Duration.ofMillis(100))
			.take(60)
			.onBackpressureDrop()
			.flatMap((tick) -> Flux.range(0, 10).flatMap((i) -> Tally.requestLink(client)), 100)
			.collectList()
			.toFuture()
			.join();
		outage.join();
		long seconds = Math.max(1, Duration.ofNanos(System.nanoTime() - start).toSeconds());
		connections.dispose();
		Tally tally = new Tally(answers.size(), answers);
		int upstream = WorkOsFixtures.linkRequests(workOs).size();
		System.out.println(tally.line("redis outage under load", upstream));
		assertThat(tally.answers()).hasSize(600);
		assertThat(tally.count(500, 599) + tally.status(0)).isZero();
		assertThat(tally.status(201) + tally.status(429)).isEqualTo(600);
		assertThat(tally.unexplained429s()).isZero();
		// Healthy: at most 10 per 2 s window; degraded (one replica assuming two): at
		// most
		// 10 / 2 = 5 per window of its local limiter, which can straddle two windows.
		// So never more than (windows the run touched + 1) × 10 in all.
		assertThat(upstream).isLessThanOrEqualTo((int) ((seconds / 2 + 2) * 10));
		assertThat(upstream).isEqualTo((int) tally.status(201));
		// Back on the shared budget by itself (heartbeats look every second).
		StepVerifier.create(Flux.interval(Duration.ofMillis(100)).filter((tick) -> !this.store.isDegraded()).next())
			.expectNextCount(1)
			.expectComplete()
			.verify(Duration.ofSeconds(10));
	}

}
