package dev.portalgateway.workos;

import java.lang.reflect.Proxy;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.portalgateway.ConsoleLines;
import dev.portalgateway.ManualTicker;
import dev.portalgateway.WorkOsFixtures;
import dev.portalgateway.portal.Intent;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.web.reactive.function.client.ClientResponse;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static dev.portalgateway.WorkOsFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retries, {@code Retry-After} and the key's cool-down through the real client and real
 * HTTP. The waits here are WorkOS's own one-second minimum; the policy's timing is
 * covered on virtual time in {@link UpstreamRetryTests}.
 */
@ExtendWith(OutputCaptureExtension.class)
class WorkOsClientRetryTests {

	@RegisterExtension
	static WireMockExtension workOs = WorkOsFixtures.workOs();

	private static final Duration VERIFY = Duration.ofSeconds(15);

	/**
	 * Real HTTP in real time: backoffs of 20-200 ms instead of 0.5-8 s, no jitter. The
	 * defaults are in {@link UpstreamRetryTests}, the tests below that use
	 * {@code atDefaults}, and {@code ResilienceChainSimulationTests}.
	 */
	private static final RetryProperties FAST = new RetryProperties(3, Duration.ofMillis(20), 2, Duration.ofMillis(200),
			0, Duration.ofSeconds(10), Duration.ofMinutes(5));

	private final GenerateLinkCommand command = new GenerateLinkCommand("org_123", Intent.SSO, null, null, null, null);

	@ParameterizedTest
	@ValueSource(strings = { "1", "0", "Sat, 28 Nov 2026 12:00:01 GMT" })
	void retriesAfterRetryAfterWithTheSameIdempotencyKey(String retryAfter) {
		sequence(json(429, "generate_link-429.json").withHeader("Retry-After", retryAfter),
				json(201, "generate_link-201.json"));
		StepVerifier.create(client(FAST).generateLink(this.command, "r"))
			.assertNext((link) -> assertThat(link.link()).isEqualTo(WorkOsFixtures.RECORDED_LINK))
			.expectComplete()
			.verify(VERIFY);
		List<LoggedRequest> requests = requests();
		assertThat(requests).hasSize(2);
		assertThat(requests.get(1).getLoggedDate().getTime() - requests.get(0).getLoggedDate().getTime())
			.isGreaterThanOrEqualTo(1000);
		assertThat(requests.get(1).getHeader("Idempotency-Key"))
			.isEqualTo(requests.get(0).getHeader("Idempotency-Key"));
	}

	@Test
	void answers429AtOnceWhenRetryAfterExceedsTheDeadlineAndHoldsLaterCalls() {
		workOs.stubFor(post("/portal/generate_link")
			.willReturn(json(429, "generate_link-429.json").withHeader("Retry-After", "120")));
		WorkOsClient client = client(FAST);
		long start = System.nanoTime();
		StepVerifier.create(client.generateLink(this.command, "first")).expectErrorSatisfies((error) -> {
			GatewayProblem problem = (GatewayProblem) error;
			assertThat(problem.code()).isEqualTo(ProblemCode.RATE_LIMITED);
			assertThat(Long.parseLong(problem.getHeaders().getFirst("Retry-After"))).isBetween(119L, 120L);
		}).verify(VERIFY);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
		StepVerifier.create(client.generateLink(this.command, "second"))
			.expectErrorSatisfies((error) -> assertThat(((GatewayProblem) error).getHeaders().getFirst("Retry-After"))
				.matches("1[12][0-9]"))
			.verify(VERIFY);
		assertThat(requests()).as("the second call never reached WorkOS").hasSize(1);
	}

	@Test
	void retriesServerErrorsWithBackoffUntilSuccess() {
		sequence(json(503, "generate_link-500.json"), json(502, "generate_link-500.json"),
				json(201, "generate_link-201.json"));
		StepVerifier.create(client(FAST).generateLink(this.command, "r"))
			.expectNextCount(1)
			.expectComplete()
			.verify(VERIFY);
		List<LoggedRequest> requests = requests();
		assertThat(requests).hasSize(3);
		assertThat(requests.stream().map((request) -> request.getHeader("Idempotency-Key")).distinct()).hasSize(1);
	}

	@Test
	void answers502AfterFourAttemptsWhenWorkOsKeepsFailing() {
		workOs.stubFor(post("/portal/generate_link").willReturn(json(503, "generate_link-500.json")));
		StepVerifier.create(client(FAST).generateLink(this.command, "r")).expectErrorSatisfies((error) -> {
			assertThat(((GatewayProblem) error).code()).isEqualTo(ProblemCode.UPSTREAM_ERROR);
			assertThat(((GatewayProblem) error).getStatusCode().value()).isEqualTo(502);
		}).verify(VERIFY);
		assertThat(requests()).hasSize(4);
	}

	@Test
	void neverRetriesOtherClientErrorsOr500() {
		for (int status : new int[] { 400, 401, 404, 409, 422, 500 }) {
			workOs.resetAll();
			workOs.stubFor(post("/portal/generate_link").willReturn(json(status, "generate_link-500.json")));
			StepVerifier.create(client(FAST).generateLink(this.command, "r")).expectError().verify(VERIFY);
			assertThat(requests()).as("status " + status).hasSize(1);
		}
	}

	@Test
	void countsEveryRetryAgainstTheQuota() {
		sequence(json(503, "generate_link-500.json"), json(201, "generate_link-201.json"));
		WorkOsClient client = TestWorkOsClients.client(workOs.baseUrl(), Duration.ofSeconds(5), FAST, 2);
		StepVerifier.create(client.generateLink(this.command, "r")).expectNextCount(1).expectComplete().verify(VERIFY);
		StepVerifier.create(client.generateLink(this.command, "r"))
			.expectErrorSatisfies(
					(error) -> assertThat(((GatewayProblem) error).code()).isEqualTo(ProblemCode.RATE_LIMITED))
			.verify(VERIFY);
		assertThat(requests()).hasSize(2);
	}

	/**
	 * A {@code Retry-After} of 11.6 days is cut to {@code max-cooldown} (5 min): the
	 * caller is told 300 s, one WARN line gives what WorkOS sent, and WorkOS is called
	 * again once the 5 minutes are over.
	 */
	@Test
	void capsAHugeRetryAfterAtMaxCooldownAndCallsWorkOsAgainAfterIt(CapturedOutput output) {
		ManualTicker ticker = new ManualTicker();
		WorkOsClient client = TestWorkOsClients.atDefaults(workOs.baseUrl(), TestWorkOsClients.ICONS, ticker);
		sequence(json(429, "generate_link-429.json").withHeader("Retry-After", "999999"),
				json(201, "generate_link-201.json"));
		StepVerifier.create(client.generateLink(this.command, "r"))
			.expectErrorSatisfies((error) -> assertThat(((GatewayProblem) error).getHeaders().getFirst("Retry-After"))
				.isEqualTo("300"))
			.verify(VERIFY);
		assertThat(ConsoleLines.flushed(output))
			.contains("WorkOS sent Retry-After: 999999 (999999 s); waiting gateway.retry.max-cooldown (300 s)");
		ticker.advance(Duration.ofSeconds(200));
		StepVerifier.create(client.generateLink(this.command, "r"))
			.expectErrorSatisfies((error) -> assertThat(((GatewayProblem) error).getHeaders().getFirst("Retry-After"))
				.isEqualTo("100"))
			.verify(VERIFY);
		assertThat(requests()).as("held during the cool-down").hasSize(1);
		ticker.advance(Duration.ofSeconds(100));
		StepVerifier.create(client.generateLink(this.command, "r")).expectNextCount(1).expectComplete().verify(VERIFY);
		assertThat(requests()).hasSize(2);
	}

	/**
	 * An exception of our own inside the call (here: reading the answer fails) is a bug,
	 * not WorkOS being unreachable: it reaches the caller as itself (a 500
	 * {@code internal_error}, logged with its stack trace by {@code Problems}) after one
	 * attempt, at the default retry settings.
	 */
	@Test
	void neverRetriesABugOfOurs() {
		AtomicInteger calls = new AtomicInteger();
		ClientResponse broken = (ClientResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
				new Class<?>[] { ClientResponse.class }, (proxy, method, args) -> {
					throw new IllegalStateException("a bug in reading the answer");
				});
		WorkOsClient client = TestWorkOsClients.withExchange((request) -> {
			calls.incrementAndGet();
			return Mono.just(broken);
		});
		StepVerifier.create(client.generateLink(this.command, "r"))
			.expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(IllegalStateException.class)
				.isNotInstanceOf(GatewayProblem.class))
			.verify(VERIFY);
		assertThat(calls).hasValue(1);
	}

	/**
	 * A 429 from an icon source that is not WorkOS (a CDN) says nothing about the WorkOS
	 * key: links go on being issued.
	 */
	@Test
	void aCdnIconSources429LeavesTheKeyAlone() {
		IconSource cdn = new IconSource(URI.create("http://127.0.0.1:" + workOs.getPort()), "/icons.json");
		WorkOsClient client = TestWorkOsClients.atDefaults(workOs.baseUrl(), cdn, new ManualTicker());
		workOs.stubFor(get("/icons.json").willReturn(aResponse().withStatus(429).withHeader("Retry-After", "60")));
		workOs.stubFor(post("/portal/generate_link").willReturn(json(201, "generate_link-201.json")));
		StepVerifier.create(client.providerIcons()).expectError(GatewayProblem.class).verify(VERIFY);
		StepVerifier.create(client.generateLink(this.command, "r")).expectNextCount(1).expectComplete().verify(VERIFY);
	}

	private static WorkOsClient client(RetryProperties retry) {
		return TestWorkOsClients.client(workOs.baseUrl(), Duration.ofSeconds(5), retry, 100);
	}

	private static void sequence(ResponseDefinitionBuilder... responses) {
		String state = Scenario.STARTED;
		for (int i = 0; i < responses.length; i++) {
			String next = (i == responses.length - 1) ? state : "answer-" + (i + 1);
			workOs.stubFor(post("/portal/generate_link").inScenario("sequence")
				.whenScenarioStateIs(state)
				.willSetStateTo(next)
				.willReturn(responses[i]));
			state = next;
		}
	}

	private static List<LoggedRequest> requests() {
		return WorkOsFixtures.linkRequests(workOs);
	}

}
