package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.portalgateway.TestCallers;
import dev.portalgateway.TestRedisSentinel;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.test.StepVerifier;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared budget on Redis with Sentinel (a master, a replica, three sentinels, all
 * real servers): three gateway replicas find the master through the sentinels and share
 * one budget, at the default settings.
 */
class SentinelIntegrationTests {

	@RegisterExtension
	static WireMockExtension workOs = WorkOsFixtures.workOs();

	private static final int LIMIT = 10;

	private TestRedisSentinel redis;

	private final List<ConfigurableApplicationContext> replicas = new ArrayList<>();

	private final ConnectionProvider connections = ConnectionProvider.builder("callers").maxConnections(40).build();

	private WebClient client;

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
		this.client = WebClient.builder()
			.clientConnector(new ReactorClientHttpConnector(HttpClient.create(this.connections)))
			.build();
		WorkOsFixtures.stubLinks(workOs,
				aResponse().withStatus(201)
					.withHeader("Content-Type", "application/json")
					.withBody(WorkOsFixtures.read("generate_link-201.json")));
	}

	@AfterEach
	void stopReplicas() {
		this.replicas.forEach(ConfigurableApplicationContext::close);
		this.connections.dispose();
		this.redis.close();
	}

	@Test
	void threeReplicasOverSentinelShareOneBudget() {
		assertThat(this.replicas)
			.allSatisfy((replica) -> assertThat(replica.getBean(SharedQuotaStore.class).isDegraded()).isFalse());
		List<Integer> statuses = await(Flux.range(0, 60).flatMap((i) -> call(i % 3), 30).collectList());
		assertThat(statuses).containsOnly(201, 429);
		assertThat(WorkOsFixtures.linkRequests(workOs)).hasSizeBetween(LIMIT - 2, LIMIT);
	}

	private Mono<Integer> call(int replica) {
		String port = this.replicas.get(replica).getEnvironment().getProperty("local.server.port");
		return this.client.post()
			.uri("http://127.0.0.1:" + port + "/v1/portal-links")
			.headers((headers) -> headers.setBearerAuth(TestCallers.BILLING_TOKEN))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"organization\":\"org_01H1234567890ABCDEFGHIJK\",\"intent\":\"sso\"}")
			.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value()));
	}

	private static <T> T await(Mono<T> answer) {
		AtomicReference<T> value = new AtomicReference<>();
		StepVerifier.create(answer).consumeNextWith(value::set).expectComplete().verify(Duration.ofSeconds(60));
		return value.get();
	}

}
