package dev.portalgateway.workos;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.portalgateway.WorkOsFixtures;
import dev.portalgateway.portal.Intent;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static dev.portalgateway.WorkOsFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WorkOS client against WireMock speaking real HTTP, with recorded WorkOS payloads.
 */
class WorkOsClientTests {

	@RegisterExtension
	static WireMockExtension workOs = WorkOsFixtures.workOs();

	private static final String KEY = TestWorkOsClients.KEY;

	private static final Instant NOW = TestWorkOsClients.NOW;

	private static final Duration TIMEOUT = Duration.ofSeconds(5);

	private final GenerateLinkCommand minimal = new GenerateLinkCommand("org_123", Intent.SSO, null, null, null, null);

	@Test
	void sendsTheRequestWorkOsDocuments() {
		stub(201, "generate_link-201.json");
		ObjectNode options = JsonMapper.builder().build().createObjectNode();
		options.putObject("sso").put("bookmark_slug", "chatfront").put("provider_type", "GoogleSAML");
		GenerateLinkCommand full = new GenerateLinkCommand("org_123", Intent.SSO,
				URI.create("https://app.example.com/back"), URI.create("https://app.example.com/done"), options,
				List.of("it@example.com"));
		StepVerifier.create(client(workOs.baseUrl()).generateLink(full, "req-42")).assertNext((link) -> {
			assertThat(link.link()).isEqualTo(WorkOsFixtures.RECORDED_LINK);
			assertThat(link.issuedAt()).isEqualTo(NOW);
			assertThat(link.expiresAt()).isEqualTo(NOW.plusSeconds(300));
			assertThat(link.upstreamRequestId()).isEqualTo("req_upstream_1");
			assertThat(link.toString()).doesNotContain("token=");
		}).expectComplete().verify(TIMEOUT);
		workOs.verify(postRequestedFor(urlEqualTo("/portal/generate_link"))
			.withHeader("Authorization", equalTo("Bearer " + KEY))
			.withHeader("Accept", equalTo("application/json"))
			.withHeader("Content-Type", equalTo("application/json"))
			.withHeader("User-Agent", equalTo("portal-gateway/1.2.3"))
			.withHeader("Idempotency-Key",
					matching("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"))
			.withHeader("X-Request-Id", equalTo("req-42"))
			.withRequestBody(equalToJson("""
					{"organization":"org_123","intent":"sso","return_url":"https://app.example.com/back",
					 "success_url":"https://app.example.com/done",
					 "intent_options":{"sso":{"bookmark_slug":"chatfront","provider_type":"GoogleSAML"}},
					 "it_contact_emails":["it@example.com"]}""")));
	}

	@Test
	void leavesOutAbsentFieldsInsteadOfSendingNulls() {
		stub(201, "generate_link-201.json");
		StepVerifier.create(client(workOs.baseUrl()).generateLink(this.minimal, "req-1"))
			.expectNextCount(1)
			.expectComplete()
			.verify(TIMEOUT);
		String body = workOs.getAllServeEvents().get(0).getRequest().getBodyAsString();
		assertThat(body).isEqualTo("{\"organization\":\"org_123\",\"intent\":\"sso\"}");
	}

	@Test
	void usesOneNewIdempotencyKeyPerRequest() {
		stub(201, "generate_link-201.json");
		WorkOsClient client = client(workOs.baseUrl());
		StepVerifier.create(client.generateLink(this.minimal, "a").concatWith(client.generateLink(this.minimal, "b")))
			.expectNextCount(2)
			.expectComplete()
			.verify(TIMEOUT);
		List<String> keys = WorkOsFixtures.linkRequests(workOs)
			.stream()
			.map((request) -> request.getHeader("Idempotency-Key"))
			.toList();
		assertThat(keys).hasSize(2).doesNotHaveDuplicates();
	}

	@Test
	void keepsABaseUrlPathPrefix() {
		workOs.stubFor(post("/prefix/portal/generate_link").willReturn(json(201, "generate_link-201.json")));
		StepVerifier.create(client(workOs.baseUrl() + "/prefix/").generateLink(this.minimal, "r"))
			.expectNextCount(1)
			.expectComplete()
			.verify(TIMEOUT);
	}

	@ParameterizedTest
	@CsvSource({ "404, generate_link-404.json, ORGANIZATION_NOT_FOUND, 404",
			"400, generate_link-400.json, UPSTREAM_REJECTED, 422",
			"422, generate_link-422.json, UPSTREAM_REJECTED, 422",
			"401, generate_link-401.json, UPSTREAM_AUTH_FAILED, 502",
			"403, generate_link-401.json, UPSTREAM_AUTH_FAILED, 502",
			"500, generate_link-500.json, UPSTREAM_ERROR, 502", "503, generate_link-500.json, UPSTREAM_ERROR, 502",
			"409, generate_link-500.json, UPSTREAM_ERROR, 502" })
	void mapsWorkOsErrorsToProblems(int status, String fixture, ProblemCode code, int gatewayStatus) {
		stub(status, fixture);
		StepVerifier.create(client(workOs.baseUrl()).generateLink(this.minimal, "r")).expectErrorSatisfies((error) -> {
			GatewayProblem problem = (GatewayProblem) error;
			assertThat(problem.code()).isEqualTo(code);
			assertThat(problem.getStatusCode().value()).isEqualTo(gatewayStatus);
			assertThat(problem.upstreamRequestId()).isEqualTo("req_upstream_1");
		}).verify(TIMEOUT);
	}

	@Test
	void passesWorkOsRejectionMessageOn() {
		stub(400, "generate_link-400.json");
		StepVerifier.create(client(workOs.baseUrl()).generateLink(this.minimal, "r"))
			.expectErrorSatisfies((error) -> assertThat(((GatewayProblem) error).getBody().getDetail()).isEqualTo(
					"WorkOS rejected the request: Intent 'bring_your_own_key' is not enabled for this environment."))
			.verify(TIMEOUT);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "120 | 120", "0 | 1", "'Sat, 28 Nov 2026 12:00:30 GMT' | 30", "'' | 1" })
	void passesRetryAfterOnForRateLimits(String retryAfter, String expected) {
		workOs.stubFor(post("/portal/generate_link")
			.willReturn(json(429, "generate_link-429.json").withHeader("Retry-After", retryAfter)));
		StepVerifier.create(client(workOs.baseUrl()).generateLink(this.minimal, "r")).expectErrorSatisfies((error) -> {
			GatewayProblem problem = (GatewayProblem) error;
			assertThat(problem.code()).isEqualTo(ProblemCode.RATE_LIMITED);
			assertThat(problem.getHeaders().getFirst("Retry-After")).isEqualTo(expected);
		}).verify(TIMEOUT);
	}

	@Test
	void treatsAnUnreadableSuccessAsUpstreamError() {
		workOs.stubFor(post("/portal/generate_link").willReturn(
				aResponse().withStatus(201).withHeader("Content-Type", "text/html").withBody("<html>hi</html>")));
		expectProblem(client(workOs.baseUrl()), ProblemCode.UPSTREAM_ERROR);
	}

	@Test
	void treatsASuccessWithoutLinkAsUpstreamError() {
		workOs.stubFor(post("/portal/generate_link").willReturn(aResponse().withStatus(201)
			.withHeader("Content-Type", "application/json")
			.withBody("{\"url\":\"x\"}")));
		expectProblem(client(workOs.baseUrl()), ProblemCode.UPSTREAM_ERROR);
	}

	@Test
	void treatsMalformedJsonAsUpstreamError() {
		workOs.stubFor(post("/portal/generate_link").willReturn(
				aResponse().withStatus(201).withHeader("Content-Type", "application/json").withBody("{\"link\":")));
		expectProblem(client(workOs.baseUrl()), ProblemCode.UPSTREAM_ERROR);
	}

	@Test
	void answersTimeoutWhenWorkOsIsSlowerThanTheResponseTimeout() {
		workOs.stubFor(
				post("/portal/generate_link").willReturn(json(201, "generate_link-201.json").withFixedDelay(2000)));
		// 200 ms instead of the default 5 s, in real time; the default under the same
		// fault:
		// ResilienceChainSimulationTests.aSlowWorkOsAtTheDefaultsIs504WithinTheDeadline.
		expectProblem(client(workOs.baseUrl(), Duration.ofMillis(200)), ProblemCode.UPSTREAM_TIMEOUT);
	}

	@Test
	void answersUnavailableWhenWorkOsCannotBeReached() throws Exception {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0)) {
			closedPort = socket.getLocalPort();
		}
		expectProblem(client("http://127.0.0.1:" + closedPort), ProblemCode.UPSTREAM_UNAVAILABLE);
	}

	@Test
	void answersUpstreamErrorWhenWorkOsDropsTheConnection() {
		workOs.stubFor(post("/portal/generate_link").willReturn(aResponse().withFault(Fault.EMPTY_RESPONSE)));
		expectProblem(client(workOs.baseUrl()), ProblemCode.UPSTREAM_ERROR);
	}

	@Test
	void dropsAnUpstreamRequestIdOfUnsafeShape() {
		workOs.stubFor(post("/portal/generate_link").willReturn(aResponse().withStatus(201)
			.withHeader("Content-Type", "application/json")
			.withHeader("X-Request-ID", "evil id\" with=spaces")
			.withBody(WorkOsFixtures.read("generate_link-201.json"))));
		StepVerifier.create(client(workOs.baseUrl()).generateLink(this.minimal, "r"))
			.assertNext((link) -> assertThat(link.upstreamRequestId()).isNull())
			.expectComplete()
			.verify(TIMEOUT);
	}

	private void expectProblem(WorkOsClient client, ProblemCode code) {
		StepVerifier.create(client.generateLink(this.minimal, "r"))
			.expectErrorSatisfies((error) -> assertThat(((GatewayProblem) error).code()).isEqualTo(code))
			.verify(TIMEOUT);
	}

	private static void stub(int status, String fixture) {
		workOs.stubFor(post("/portal/generate_link").willReturn(json(status, fixture)));
	}

	private WorkOsClient client(String baseUrl) {
		return client(baseUrl, Duration.ofSeconds(5));
	}

	private WorkOsClient client(String baseUrl, Duration responseTimeout) {
		return TestWorkOsClients.client(baseUrl, responseTimeout, TestWorkOsClients.NO_RETRIES, 100);
	}

}
