package dev.portalgateway.caller;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.portalgateway.ConsoleLines;
import dev.portalgateway.Await;
import dev.portalgateway.ManualTicker;
import dev.portalgateway.TestCallers;
import dev.portalgateway.TestJwts;
import dev.portalgateway.WorkOsFixtures;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.reactive.function.client.WebClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What unauthenticated requests cost, at the default failure budget (20 per 10 s per
 * client address): a flood of garbage ES256 tokens from one address buys at most the
 * budget's signature checks and 401 audit lines, the rest are 429 at once, and a good
 * caller from another address is not affected. Time stands still (a manual ticker), so
 * the flood is "within a second" however long the machine takes to send it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "management.server.port=0")
@Import(ManualTicker.InContext.class)
@ExtendWith(OutputCaptureExtension.class)
class AuthenticationCostTests {

	private static final String BODY = "{\"organization\":\"org_01H1234567890ABCDEFGHIJK\",\"intent\":\"sso\"}";

	@RegisterExtension
	static WireMockExtension workOs = WorkOsFixtures.workOs();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("gateway.workos.base-url", workOs::baseUrl);
		TestCallers.register(registry);
		TestJwts.register(registry, () -> workOs.baseUrl() + "/jwks");
	}

	@LocalServerPort
	int port;

	@Autowired
	MeterRegistry meters;

	@Autowired
	ManualTicker ticker;

	@Autowired
	AuditLog audit;

	@Test
	void aThousandGarbageTokensFromOneAddressBuyOnlyTheBudgetsSignatureChecks(CapturedOutput output) {
		workOs.stubFor(get("/jwks").willReturn(aResponse().withStatus(200).withBody(TestJwts.jwks())));
		WorkOsFixtures.stubLinks(workOs,
				aResponse().withStatus(201)
					.withHeader("Content-Type", "application/json")
					.withBody(WorkOsFixtures.read("generate_link-201.json")));
		// ES256-shaped, with the kid of a published key: each would cost a signature
		// check.
		List<String> garbage = IntStream.range(0, 1000)
			.mapToObj((i) -> TestJwts.sign(TestJwts.EC_FORGER, (claims) -> claims.jwtID("garbage-" + i)))
			.toList();
		// A good caller on the same address (behind the same proxy) has its token
		// verified, before the flood.
		WebClient flood = client("127.0.0.1");
		String good = TestJwts.sign(TestJwts.EC);
		assertThat(Await.value(send(flood, good)).status()).isEqualTo(201);
		double checksBefore = this.meters.counter("gateway.auth.jwt.verifications").count();
		Map<Integer, List<Answer>> answers = Await.value(Flux.fromIterable(garbage)
			.flatMap((token) -> send(flood, token), 32)
			.collect(Collectors.groupingBy(Answer::status)));
		assertThat(answers.keySet()).containsExactlyInAnyOrder(401, 429);
		assertThat(answers.get(401)).hasSize(20);
		assertThat(answers.get(429)).hasSize(980).allSatisfy((answer) -> {
			assertThat(answer.retryAfter()).isNotNull();
			assertThat(Long.parseLong(answer.retryAfter())).isPositive();
			assertThat(answer.body()).contains("\"code\":\"too_many_auth_failures\"");
		});
		assertThat(this.meters.counter("gateway.auth.jwt.verifications").count() - checksBefore)
			.as("signatures checked")
			.isEqualTo(20);
		assertThat(this.meters.counter("gateway.auth.failures", "reason", "over_failure_budget").count())
			.isEqualTo(980);
		// Another address, a good token: unaffected.
		assertThat(Await.value(send(client("127.0.0.2"), TestJwts.sign(TestJwts.RSA))).status()).isEqualTo(201);
		// The same address: the good caller's remembered token and a static token still
		// pass (no signature to check); a new JWT would wait for the budget (429).
		assertThat(Await.value(send(flood, good)).status()).isEqualTo(201);
		assertThat(Await.value(send(flood, TestCallers.BILLING_TOKEN)).status()).isEqualTo(201);
		assertThat(Await.value(send(flood, TestJwts.sign(TestJwts.RSA, (claims) -> claims.jwtID("new")))).status())
			.isEqualTo(429);
		// One audit line for the first failure, one summary for the rest when the
		// interval (1 min) ends.
		assertThat(lines(output,
				"portal_link caller=- .*outcome=(unauthorized|too_many_auth_failures).*client=127\\.0\\.0\\.1"))
			.isEqualTo(1);
		// The budget refills: 500 ms later, one more failure reaches the verifier.
		this.ticker.advance(Duration.ofMillis(500));
		assertThat(Await.value(send(flood, garbage.get(0))).status()).isEqualTo(401);
		assertThat(Await.value(send(flood, garbage.get(1))).status()).isEqualTo(429);
		this.ticker.advance(Duration.ofMinutes(1));
		this.audit.writeEndedSummaries();
		// 999 of the flood, the new JWT's 429, and the two after the refill.
		assertThat(ConsoleLines.flushed(output))
			.contains("portal_link_auth_failures client=127.0.0.1 more=1002 interval=PT1M");
	}

	private WebClient client(String from) {
		HttpClient http = HttpClient.create().bindAddress(() -> new InetSocketAddress(from, 0));
		return WebClient.builder()
			.baseUrl("http://127.0.0.1:" + this.port)
			.clientConnector(new ReactorClientHttpConnector(http))
			.build();
	}

	private static Mono<Answer> send(WebClient client, String token) {
		return client.post()
			.uri("/v1/portal-links")
			.headers((headers) -> headers.setBearerAuth(token))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(BODY)
			.exchangeToMono((response) -> response.bodyToMono(String.class)
				.defaultIfEmpty("")
				.map((body) -> new Answer(response.statusCode().value(),
						response.headers().asHttpHeaders().getFirst(HttpHeaders.RETRY_AFTER), body)));
	}

	private static long lines(CapturedOutput output, String regex) {
		Matcher matcher = Pattern.compile(regex).matcher(ConsoleLines.flushed(output).getAll());
		return matcher.results().map(Function.identity()).count();
	}

	private record Answer(int status, String retryAfter, String body) {
	}

}
