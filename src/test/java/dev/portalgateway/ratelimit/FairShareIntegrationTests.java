package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.portalgateway.ConsoleLines;
import dev.portalgateway.Await;
import dev.portalgateway.ManualTicker;
import dev.portalgateway.StubbedWorkOs;
import dev.portalgateway.TestCallers;
import dev.portalgateway.WorkOsFixtures;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.reactive.function.client.WebClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fair share of the link budget through the whole gateway (local store), at the
 * issue's numbers: 20 links per 10 s. Time is a manual ticker, moved by the test; each
 * test starts two periods after the last, when every permit and every caller's activity
 * has left the window.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = { "management.server.port=0",
		// The scenario's budget, not a default: 20 per 10 s keeps each test short.
		"gateway.rate-limit.portal-links.limit=20", "gateway.rate-limit.portal-links.period=10s" })
@Import(ManualTicker.InContext.class)
@ExtendWith(OutputCaptureExtension.class)
@StubbedWorkOs(callers = false)
class FairShareIntegrationTests {

	private static final String BODY = "{\"organization\":\"org_01H1234567890ABCDEFGHIJK\",\"intent\":\"sso\"}";

	@Autowired
	WireMockServer workOs;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestCallers.register(registry);
		caller(registry, 2, "team-a", 1, null);
		caller(registry, 3, "team-b", 1, null);
		caller(registry, 4, "heavy", 3, null);
		caller(registry, 5, "light", 1, null);
		caller(registry, 6, "capped", 1, 3);
	}

	private static void caller(DynamicPropertyRegistry registry, int index, String name, int weight, Integer maxLinks) {
		String prefix = "gateway.callers[" + index + "].";
		registry.add(prefix + "name", () -> name);
		registry.add(prefix + "token-sha256", () -> TestCallers.sha256(name + "-token-0000000000"));
		registry.add(prefix + "intents", () -> "sso");
		registry.add(prefix + "weight", () -> weight);
		if (maxLinks != null) {
			registry.add(prefix + "max-links", () -> maxLinks);
		}
	}

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@Autowired
	ManualTicker ticker;

	@Autowired
	MeterRegistry meters;

	WebClient client;

	@BeforeEach
	void setUp() {
		this.client = WebClient.create("http://127.0.0.1:" + this.port);
		WorkOsFixtures.stubLinks(workOs,
				aResponse().withStatus(201)
					.withHeader("Content-Type", "application/json")
					.withBody(WorkOsFixtures.read("generate_link-201.json")));
		this.ticker.advance(Duration.ofSeconds(20));
	}

	@Test
	void aQuietTeamGetsEveryLinkWhileANoisyOneHammers() {
		List<Answer> quiet = new ArrayList<>();
		List<long[]> noisyPerStep = new ArrayList<>();
		List<Answer> noisyRefusals = new ArrayList<>();
		// 20 s in steps of 0.5 s; B asks every 1.5 s (first, at 0), A sends 6 at once at
		// every step.
		for (int step = 0; step < 40; step++) {
			if (step % 3 == 0) {
				quiet.add(Await.value(send("team-b", "/v1/portal-links")));
			}
			List<Answer> noisy = Await
				.value(Flux.range(0, 6).flatMap((i) -> send("team-a", "/v1/portal-links"), 6).collectList());
			noisyPerStep.add(new long[] { step, noisy.stream().filter((answer) -> answer.status() == 201).count() });
			noisy.stream().filter((answer) -> answer.status() != 201).forEach(noisyRefusals::add);
			this.ticker.advance(Duration.ofMillis(500));
		}
		assertThat(quiet).hasSize(14).allSatisfy((answer) -> assertThat(answer.status()).isEqualTo(201));
		// A: its share of 10 in any 10 s, never what B holds in reserve.
		for (int last = 0; last < noisyPerStep.size(); last++) {
			long inWindow = 0;
			for (int step = Math.max(0, last - 19); step <= last; step++) {
				inWindow += noisyPerStep.get(step)[1];
			}
			assertThat(inWindow).as("A's links in the 10 s up to step %d", last).isBetween(1L, 10L);
		}
		assertThat(noisyRefusals).isNotEmpty().allSatisfy((answer) -> {
			assertThat(answer.status()).isEqualTo(429);
			assertThat(answer.body()).contains("\"code\":\"caller_quota_exceeded\"");
			assertThat(Long.parseLong(answer.headers().getFirst(HttpHeaders.RETRY_AFTER))).isPositive();
			assertThat(answer.headers().getFirst("RateLimit-Limit")).as("A's own share").isEqualTo("10");
		});
	}

	@Test
	void aloneATeamMayUseTheWholeBudget() {
		List<Answer> answers = Await
			.value(Flux.range(0, 25).flatMap((i) -> send("team-a", "/v1/portal-links"), 6).collectList());
		assertThat(answers.stream().filter((answer) -> answer.status() == 201)).hasSize(20);
		assertThat(answers.stream().filter((answer) -> answer.status() == 429))
			.allSatisfy((answer) -> assertThat(answer.body()).contains("\"code\":\"rate_limited\""));
	}

	@Test
	void maxLinksCapsATeamEvenWhenTheBudgetIsFree(CapturedOutput output) {
		double before = refusals("capped");
		List<Answer> answers = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			answers.add(Await.value(send("capped", "/v1/portal-links")));
			this.ticker.advance(Duration.ofSeconds(1));
		}
		assertThat(answers).extracting(Answer::status).containsExactly(201, 201, 201, 429, 429);
		assertThat(answers.get(3).body()).contains("\"code\":\"caller_quota_exceeded\"");
		assertThat(answers.get(3).headers().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("7");
		assertThat(answers.get(3).headers().getFirst("RateLimit-Limit")).isEqualTo("3");
		assertThat(refusals("capped") - before).isEqualTo(2);
		assertThat(ConsoleLines.flushed(output))
			.contains("caller=capped organization=org_01H1234567890ABCDEFGHIJK intent=sso "
					+ "outcome=caller_quota_exceeded status=429");
		// On the WorkOS-format API it is WorkOS's own 429 code.
		Answer workOsFormat = Await.value(send("capped", "/portal/generate_link"));
		assertThat(workOsFormat.status()).isEqualTo(429);
		assertThat(workOsFormat.body()).contains("\"code\":\"rate_limit_exceeded\"");
	}

	@Test
	void weightsThreeToOneSplitASaturatedBudget() {
		int heavy = 0;
		int light = 0;
		// Three windows, both teams always asking.
		for (int step = 0; step < 60; step++) {
			List<Answer> answers = Await.value(Flux.range(0, 8)
				.flatMap((i) -> send((i % 2 == 0) ? "heavy" : "light", "/v1/portal-links"), 8)
				.collectList());
			heavy += (int) answers.stream().filter((a) -> a.status() == 201 && a.caller().equals("heavy")).count();
			light += (int) answers.stream().filter((a) -> a.status() == 201 && a.caller().equals("light")).count();
			this.ticker.advance(Duration.ofMillis(500));
		}
		assertThat((double) heavy / (heavy + light)).isBetween(0.65, 0.85);
	}

	@Test
	void theQuotasEndpointShowsEachTeamsWeightCapShareAndUse() {
		for (int i = 0; i < 3; i++) {
			assertThat(Await.value(send("heavy", "/v1/portal-links")).status()).isEqualTo(201);
		}
		assertThat(Await.value(send("light", "/v1/portal-links")).status()).isEqualTo(201);
		assertThat(Await.value(send("capped", "/v1/portal-links")).status()).isEqualTo(201);
		String body = Await.value(WebClient.create("http://127.0.0.1:" + this.managementPort)
			.get()
			.uri("/actuator/quotas")
			.retrieve()
			.bodyToMono(String.class));
		JsonNode quotas = JsonMapper.builder().build().readTree(body);
		assertThat(quotas.get("store").stringValue()).isEqualTo("local");
		JsonNode links = quotas.get("operations").get("portal_links");
		assertThat(links.get("limit").intValue()).isEqualTo(20);
		assertThat(links.get("used").intValue()).isEqualTo(5);
		JsonNode heavy = quotas.get("callers").get("heavy");
		assertThat(heavy.get("weight").intValue()).isEqualTo(3);
		assertThat(heavy.get("active").booleanValue()).isTrue();
		// Active weights 3 + 1 + 1: 20 × 3 / 5.
		assertThat(heavy.get("share").doubleValue()).isEqualTo(12.0);
		assertThat(heavy.get("used").intValue()).isEqualTo(3);
		assertThat(quotas.get("callers").get("capped").get("maxLinks").intValue()).isEqualTo(3);
		assertThat(quotas.get("callers").get("team-a").get("active").booleanValue()).isFalse();
		assertThat(quotas.get("callers").get("team-a").get("share").doubleValue()).isZero();
		assertThat(body).doesNotContain("token");
	}

	private double refusals(String caller) {
		var counter = this.meters.find("gateway.caller.links")
			.tags("caller", caller, "outcome", "caller_quota_exceeded")
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	private Mono<Answer> send(String caller, String path) {
		return this.client.post()
			.uri(path)
			.headers((headers) -> headers.setBearerAuth(caller + "-token-0000000000"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(BODY)
			.exchangeToMono((response) -> response.bodyToMono(String.class)
				.defaultIfEmpty("")
				.map((body) -> new Answer(caller, response.statusCode().value(), response.headers().asHttpHeaders(),
						body)));
	}

	private record Answer(String caller, int status, HttpHeaders headers, String body) {
	}

}
