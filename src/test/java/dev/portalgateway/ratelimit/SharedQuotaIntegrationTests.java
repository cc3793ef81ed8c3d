package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.portalgateway.Poll;
import dev.portalgateway.TestCallers;
import dev.portalgateway.TestRedis;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.test.StepVerifier;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three gateway replicas sharing one Redis (a real server) and one WorkOS (WireMock): one
 * budget of 10 links per 3 s for all of them, exact over any window; a WorkOS 429 seen by
 * one holds all; with Redis gone each enforces its share (10 / 3) and all come back when
 * it returns.
 */
class SharedQuotaIntegrationTests {

	@RegisterExtension
	static WireMockExtension workOs = WorkOsFixtures.workOs();

	private static final int LIMIT = 10;

	private static final Duration WINDOW = Duration.ofSeconds(3);

	private TestRedis redis;

	private final List<ConfigurableApplicationContext> replicas = new ArrayList<>();

	private final ConnectionProvider connections = ConnectionProvider.builder("callers").maxConnections(60).build();

	private WebClient client;

	@BeforeEach
	void startReplicas() {
		this.redis = TestRedis.start();
		for (int i = 0; i < 3; i++) {
			this.replicas
				.add(RedisReplica.start(this.redis.url(), workOs.baseUrl(), "--gateway.callers[0].name=billing",
						"--gateway.callers[0].token-sha256=" + TestCallers.sha256(TestCallers.BILLING_TOKEN),
						"--gateway.callers[0].intents=sso", "--gateway.rate-limit.expected-replicas=3",
						"--gateway.rate-limit.portal-links.limit=" + LIMIT,
						"--gateway.rate-limit.portal-links.period=" + WINDOW.toMillis() + "ms",
						// Shorter than WorkOS's Retry-After below, so callers are told,
						// not
						// held.
						"--gateway.retry.deadline=3s"));
		}
		this.client = WebClient.builder()
			.clientConnector(new ReactorClientHttpConnector(HttpClient.create(this.connections)))
			.build();
		stub(aResponse().withStatus(201)
			.withHeader("Content-Type", "application/json")
			.withBody(WorkOsFixtures.read("generate_link-201.json")));
	}

	@AfterEach
	void stopReplicas() {
		this.replicas.forEach(ConfigurableApplicationContext::close);
		this.connections.dispose();
		this.redis.stop();
	}

	@Test
	void allReplicasShareOneBudgetExactOverAnyWindow() {
		Map<Integer, Long> first = burst(300);
		assertThat(first).containsOnlyKeys(201, 429);
		assertThat(first.get(201)).isEqualTo(LIMIT);
		assertThat(upstream()).hasSize(LIMIT);
		// Bursts every 250 ms for 4 s as the window slides: never more than LIMIT in any
		// 3 s.
		for (int i = 0; i < 16; i++) {
			assertThat(burst(30).keySet()).isSubsetOf(201, 429);
			Poll.elapse(Duration.ofMillis(250));
		}
		List<Long> times = upstream().stream().map((request) -> request.getLoggedDate().getTime()).sorted().toList();
		assertThat(times.size()).isGreaterThan(LIMIT);
		// Redis admits by its own clock; WireMock logs arrivals a little later. A fixed
		// window would put 2 × LIMIT within milliseconds of each other at its boundary;
		// the 500 ms margin is for the time between permit and arrival on a busy machine.
		assertThat(busiest(times, WINDOW.toMillis() - 500)).isLessThanOrEqualTo(LIMIT);
	}

	/**
	 * Issue 14's second reproduction, at the default {@code redis-timeout} (50 ms): three
	 * freshly started replicas, 60 requests from 30 concurrent callers round robin. A
	 * permit whose answer is late is never followed by a local one, so WorkOS sees at
	 * most the limit, in this window and in the next.
	 */
	@Test
	void freshReplicasAtTheDefaultTimeoutNeverOvershootTheLimit() {
		Map<Integer, Long> first = burst(60, 30);
		assertThat(first.keySet()).isSubsetOf(201, 429);
		assertThat(upstream()).as("WorkOS calls in the first window").hasSizeLessThanOrEqualTo(LIMIT);
		// Redis counts by its own clock (TIME), which a test cannot move: wait for the
		// window to pass.
		waitForNextWindow();
		workOs.resetRequests();
		Map<Integer, Long> second = burst(60, 30);
		assertThat(second.keySet()).isSubsetOf(201, 429);
		assertThat(upstream()).as("WorkOS calls in the next window").hasSizeLessThanOrEqualTo(LIMIT);
		assertThat(this.replicas)
			.allSatisfy((replica) -> assertThat(replica.getBean(SharedQuotaStore.class).isDegraded()).isFalse());
	}

	private void waitForNextWindow() {
		Poll.elapse(WINDOW);
	}

	@Test
	void aWorkOs429SeenByOneReplicaHoldsThemAll() {
		stub(aResponse().withStatus(429)
			.withHeader("Content-Type", "application/json")
			.withHeader("Retry-After", "5")
			.withBody(WorkOsFixtures.read("generate_link-429.json")));
		assertThat(call(0).getStatusCode().value()).isEqualTo(429);
		ResponseEntity<String> other = call(1);
		assertThat(other.getStatusCode().value()).isEqualTo(429);
		assertThat(Long.parseLong(other.getHeaders().getFirst("Retry-After"))).isBetween(4L, 5L);
		assertThat(upstream()).as("replica B never called WorkOS").hasSize(1);
	}

	@Test
	void fallsBackToALocalShareWithoutRedisAndRecovers() {
		this.redis.stop();
		long start = System.nanoTime();
		Map<Integer, Long> degraded = burst(90);
		Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
		assertThat(degraded.keySet()).isSubsetOf(201, 429);
		// Each replica allows limit / 3 = 3 per window of its own (fixed) limiter; a
		// burst lasting E meets at most E / window + 2 of those windows.
		long windows = elapsed.toMillis() / WINDOW.toMillis() + 2;
		Map<String, Long> perReplica = upstream().stream()
			.collect(Collectors.groupingBy((request) -> request.getHeader("X-Request-Id").substring(0, 2),
					Collectors.counting()));
		assertThat(perReplica).as("upstream calls per replica").hasSize(3);
		assertThat(perReplica.values())
			.allSatisfy((calls) -> assertThat(calls).isLessThanOrEqualTo(windows * (LIMIT / 3)));
		assertThat(this.replicas)
			.allSatisfy((replica) -> assertThat(replica.getBean(SharedQuotaStore.class).isDegraded()).isTrue());
		// Health says so; readiness does not: the replica still serves.
		assertThat(health(0, "")).contains("\"status\":\"DEGRADED\"");
		assertThat(health(0, "/readiness")).contains("\"status\":\"UP\"");
		this.redis.restart();
		StepVerifier
			.create(Flux.interval(Duration.ofMillis(100))
				.filter((tick) -> this.replicas.stream()
					.noneMatch((r) -> r.getBean(SharedQuotaStore.class).isDegraded()))
				.next())
			.expectNextCount(1)
			.expectComplete()
			.verify(Duration.ofSeconds(10));
		assertThat(health(0, "")).contains("\"status\":\"UP\"");
		workOs.resetRequests();
		Map<Integer, Long> recovered = burst(90);
		assertThat(recovered.get(201)).isEqualTo(LIMIT);
	}

	/**
	 * {@code count} requests spread round-robin over the replicas, all at once; checks
	 * that every 429 says when to come back.
	 */
	private Map<Integer, Long> burst(int count) {
		return burst(count, 50);
	}

	private Map<Integer, Long> burst(int count, int concurrency) {
		List<Integer> statuses = Flux.range(0, count)
			.flatMap((i) -> this.client.post()
				.uri("http://localhost:" + port(i % this.replicas.size()) + "/v1/portal-links")
				.headers((headers) -> headers.setBearerAuth(TestCallers.BILLING_TOKEN))
				.contentType(MediaType.APPLICATION_JSON)
				.header("X-Request-Id", "r" + (i % this.replicas.size()) + "-" + i)
				.bodyValue("{\"organization\":\"org_" + i + "\",\"intent\":\"sso\"}")
				.exchangeToMono((response) -> {
					int status = response.statusCode().value();
					String retryAfter = response.headers().asHttpHeaders().getFirst("Retry-After");
					boolean told = status != 429 || (retryAfter != null && Long.parseLong(retryAfter) >= 1);
					return response.releaseBody().thenReturn(told ? status : -429);
				}), concurrency)
			.collectList()
			.toFuture()
			.join();
		return statuses.stream().collect(Collectors.groupingBy((status) -> status, Collectors.counting()));
	}

	private ResponseEntity<String> call(int replica) {
		return this.client.post()
			.uri("http://localhost:" + port(replica) + "/v1/portal-links")
			.headers((headers) -> headers.setBearerAuth(TestCallers.BILLING_TOKEN))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"organization\":\"org_1\",\"intent\":\"sso\"}")
			.exchangeToMono((response) -> response.toEntity(String.class))
			.toFuture()
			.join();
	}

	private String health(int replica, String group) {
		String port = this.replicas.get(replica).getEnvironment().getProperty("local.management.port");
		return this.client.get()
			.uri("http://localhost:" + port + "/actuator/health" + group)
			.exchangeToMono((response) -> response.bodyToMono(String.class))
			.toFuture()
			.join();
	}

	private String port(int replica) {
		return this.replicas.get(replica).getEnvironment().getProperty("local.server.port");
	}

	private static void stub(ResponseDefinitionBuilder response) {
		WorkOsFixtures.stubLinks(workOs, response);
	}

	private static List<LoggedRequest> upstream() {
		return WorkOsFixtures.linkRequests(workOs);
	}

	private static int busiest(List<Long> times, long window) {
		int busiest = 0;
		for (int start = 0, end = 0; end < times.size(); end++) {
			while (times.get(end) - times.get(start) >= window) {
				start++;
			}
			busiest = Math.max(busiest, end - start + 1);
		}
		return busiest;
	}

}
