package dev.portalgateway.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.portalgateway.OwnNettyResources;
import dev.portalgateway.StubbedWorkOs;
import dev.portalgateway.TestCallers;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.reactive.function.client.WebClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static dev.portalgateway.WorkOsFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Load and faults against a whole gateway (a fresh one per scenario) and WireMock as
 * WorkOS. Each scenario asserts its figures and prints them as one line for the README.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "gateway.rate-limit.portal-links.limit=" + ReliabilityTests.LIMIT,
				"gateway.rate-limit.portal-links.period=60s",
				// Shorter than the defaults (5 s, 10 s) so slow upstream takes 2 s of
				// real time, not 10. At the defaults: ResilienceChainSimulationTests
				// aSlowWorkOsAtTheDefaultsIs504WithinTheDeadline (virtual time).
				"gateway.workos.response-timeout=2s", "gateway.retry.deadline=2s" })
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
@Import(OwnNettyResources.class)
@StubbedWorkOs
class ReliabilityTests {

	static final int LIMIT = 20;

	@Autowired
	WireMockServer workOs;

	@LocalServerPort
	int port;

	final ConnectionProvider connections = ConnectionProvider.builder("callers").maxConnections(60).build();

	WebClient client;

	@BeforeEach
	void setUp() {
		this.client = TestCallers.webClient(this.port, this.connections);
		workOs.stubFor(get("/portal/provider_icons").willReturn(json(200, "provider_icons-200.json")));
	}

	@AfterEach
	void tearDown() {
		this.connections.dispose();
	}

	@Test
	void overload() {
		stubLinks(json(201, "generate_link-201.json"));
		Tally tally = load(10 * LIMIT, 50);
		report(tally, "overload");
		assertThat(tally.answers()).hasSize(tally.sent());
		assertThat(tally.count(500, 599) + tally.status(0)).isZero();
		assertThat(tally.status(201) + tally.status(429)).isEqualTo(tally.sent());
		assertThat(tally.unexplained429s()).isZero();
		// The whole run fits in one 60 s window of a fresh limiter: WorkOS saw at most
		// LIMIT, and each of them was a link someone got.
		assertThat(upstream()).hasSizeLessThanOrEqualTo(LIMIT).hasSize((int) tally.status(201));
	}

	@Test
	void slowUpstreamTimesOutWhileEventLoopsStayFree() {
		stubLinks(json(201, "generate_link-201.json").withFixedDelay(5000));
		// The icon list is cached first; it must not wait behind the slow link calls.
		this.client.get()
			.uri("/v1/provider-icons")
			.headers((headers) -> headers.setBearerAuth(TestCallers.AUDITOR_TOKEN))
			.retrieve()
			.toBodilessEntity()
			.toFuture()
			.join();
		long start = System.nanoTime();
		Mono<Tally> slow = Mono
			.fromFuture(() -> java.util.concurrent.CompletableFuture.supplyAsync(() -> load(10, 10)));
		Mono<Long> iconsLatency = Mono.delay(Duration.ofMillis(200)).then(Mono.defer(() -> {
			long sent = System.nanoTime();
			return this.client.get()
				.uri("/v1/provider-icons")
				.headers((headers) -> headers.setBearerAuth(TestCallers.AUDITOR_TOKEN))
				.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value()))
				.map((status) -> {
					assertThat(status).isEqualTo(200);
					return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
				});
		}));
		List<Object> results = Flux.merge(slow, iconsLatency).collectList().toFuture().join();
		Tally tally = (Tally) results.stream().filter(Tally.class::isInstance).findFirst().orElseThrow();
		long iconsMs = (Long) results.stream().filter(Long.class::isInstance).findFirst().orElseThrow();
		long allAnsweredMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
		report(tally, "slow upstream");
		System.out.println("slow upstream: icons answered in " + iconsMs + " ms while 10 link calls waited; "
				+ "all 504s after " + allAnsweredMs + " ms (WorkOS held each call 5000 ms)");
		assertThat(tally.status(504)).as("%s", tally.answers()).isEqualTo(tally.sent());
		assertThat(tally.answers()).allSatisfy((answer) -> assertThat(answer.code()).isEqualTo("upstream_timeout"));
		// Ordering, not speed: icons came back while the slow calls were still held, and
		// every 504 came well before WorkOS would have answered.
		assertThat(results.get(0)).isInstanceOf(Long.class);
		assertThat(allAnsweredMs).isLessThan(4000);
	}

	@Test
	void brokenUpstreamIsA502NeverA500() {
		List<ResponseDefinitionBuilder> faults = List.of(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER),
				aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK),
				aResponse().withFault(Fault.RANDOM_DATA_THEN_CLOSE), aResponse().withFault(Fault.EMPTY_RESPONSE),
				aResponse().withStatus(502)
					.withHeader("Content-Type", "text/html")
					.withBody("<html><body><h1>502 Bad Gateway</h1></body></html>"),
				aResponse().withStatus(201).withHeader("Content-Type", "application/json").withBody("{\"link\":"),
				aResponse().withStatus(201)
					.withHeader("Content-Type", "application/json")
					.withBody("{\"url\":\"https://setup.workos.com/?token=x\"}"));
		List<Tally.Answer> answers = new ArrayList<>();
		int calls = 0;
		for (ResponseDefinitionBuilder fault : faults) {
			workOs.resetAll();
			stubLinks(fault);
			answers.addAll(load(1, 1).answers());
			calls += upstream().size();
		}
		Tally tally = new Tally(faults.size(), answers);
		System.out.println(tally.line("broken upstream", calls));
		assertThat(tally.answers()).allSatisfy((answer) -> {
			assertThat(answer.status()).isIn(502, 503, 504);
			assertThat(answer.code()).isIn("upstream_error", "upstream_unavailable", "upstream_timeout");
		});
		assertThat(tally.status(500)).isZero();
		// Nothing was kept: a good answer afterwards is served fresh from WorkOS.
		workOs.resetAll();
		stubLinks(json(201, "generate_link-201.json"));
		assertThat(load(1, 1).status(201)).isEqualTo(1);
	}

	@Test
	void a429StormGetsOneUpstreamCallPerCooldownAndRecovers() {
		// WorkOS throttles the key for 4 s, asking for 2 s each time; callers keep
		// coming, five at a time every 100 ms.
		stubLinks(json(429, "generate_link-429.json").withHeader("Retry-After", "2"));
		// The first 429 starts the cool-down (callers already in flight before it can
		// only be stopped by the quota).
		assertThat(load(1, 1).status(429)).isEqualTo(1);
		long start = System.nanoTime();
		List<Tally.Answer> storm = Flux.interval(Duration.ofMillis(100))
			.take(40)
			.flatMap((tick) -> send(5, 5), 40)
			.flatMapIterable(Tally::answers)
			.collectList()
			.toFuture()
			.join();
		long stormMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
		int stormCalls = upstream().size() - 1;
		stubLinks(json(201, "generate_link-201.json"));
		Tally tally = new Tally(storm.size(), storm);
		report(tally, "429 storm");
		// Everyone is told to come back, except a probe that WorkOS (WireMock on a busy
		// machine) was too slow to answer within the caller's deadline: 504, never more
		// than one per cool-down.
		List<Tally.Answer> others = storm.stream().filter((answer) -> answer.status() != 429).toList();
		assertThat(others).as("answers other than 429")
			.hasSizeLessThanOrEqualTo(stormCalls)
			.allSatisfy((answer) -> assertThat(answer.code()).isEqualTo("upstream_timeout"));
		assertThat(tally.unexplained429s()).isZero();
		assertThat(storm).filteredOn((answer) -> answer.status() == 429)
			.allSatisfy((answer) -> assertThat(Integer.parseInt(answer.retryAfter())).isBetween(1, 2));
		// One call opens each 2 s cool-down; the next goes out only when it ends.
		assertThat(stormCalls).isLessThanOrEqualTo((int) (stormMs / 2000) + 1);
		// Recovery on its own: within one cool-down of WorkOS answering again.
		List<Integer> after = Flux.interval(Duration.ofMillis(100))
			.take(30)
			.onBackpressureDrop()
			.concatMap((tick) -> send(1, 1).map((one) -> one.answers().get(0).status()))
			.takeUntil((status) -> status == 201)
			.collectList()
			.toFuture()
			.join();
		assertThat(after).last().isEqualTo(201);
		System.out.println("429 storm: recovered after " + after.size() + " requests 100 ms apart, " + stormCalls
				+ " WorkOS calls in " + stormMs + " ms of storm");
	}

	private Tally load(int requests, int concurrency) {
		return send(requests, concurrency).toFuture().join();
	}

	private Mono<Tally> send(int requests, int concurrency) {
		return Flux.range(0, requests)
			.flatMap((i) -> Tally.requestLink(this.client), concurrency)
			.collectList()
			.map((answers) -> new Tally(requests, answers));
	}

	private void report(Tally tally, String scenario) {
		System.out.println(tally.line(scenario, upstream().size()));
	}

	private void stubLinks(ResponseDefinitionBuilder response) {
		WorkOsFixtures.stubLinks(workOs, response);
	}

	private List<LoggedRequest> upstream() {
		return WorkOsFixtures.linkRequests(workOs);
	}

}
