package dev.portalgateway.portallink;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.function.Consumer;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import dev.portalgateway.ConsoleLines;
import dev.portalgateway.OpenApiContract;
import dev.portalgateway.StubbedWorkOs;
import dev.portalgateway.TestCallers;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static dev.portalgateway.WorkOsFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole gateway on a random port, WorkOS played by WireMock: one test per row of the
 * README's error table, the upstream request's shape, caller policies, the audit line,
 * and redaction. Every exchange is also checked against the OpenAPI document.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = { "management.server.port=0",
		// One attempt per row of the error table, and a timeout row that takes
		// 1.5 s instead of 5. At the defaults: ResilienceChainSimulationTests
		// retryableErrorRowsAtTheDefaults and
		// aSlowWorkOsAtTheDefaultsIs504WithinTheDeadline.
		"gateway.workos.response-timeout=1500ms", "gateway.retry.max-retries=0" })
@ExtendWith(OutputCaptureExtension.class)
@StubbedWorkOs
class PortalLinkIntegrationTests {

	static final Instant NOW = Instant.parse("2026-11-28T12:00:00.750Z");

	@Autowired
	WireMockServer workOs;

	@LocalServerPort
	int port;

	WebTestClient client;

	final JsonMapper json = JsonMapper.builder().build();

	@BeforeEach
	void setUp() {
		this.client = TestCallers.client(this.port);
	}

	@Test
	void createsALink(CapturedOutput output) {
		stub(json(201, "generate_link-201.json"));
		EntityExchangeResult<byte[]> result = post("""
				{"organization":"org_01H1234567890ABCDEFGHIJK","intent":"sso",
				 "return_url":"https://app.example.com/settings","success_url":"https://eu.billing.example.com/ok",
				 "intent_options":{"sso":{"provider_type":"GoogleSAML"}},"it_contact_emails":["it@example.com"]}""",
				(headers) -> headers.set("X-Request-Id", "caller-req-7"));
		assertThat(result.getStatus().value()).isEqualTo(201);
		assertThat(result.getResponseHeaders().getCacheControl()).isEqualTo("no-store");
		assertThat(result.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
		assertThat(result.getResponseHeaders().getContentLength()).isEqualTo(result.getResponseBodyContent().length);
		assertThat(result.getResponseHeaders().getFirst("X-Request-Id")).isEqualTo("caller-req-7");
		JsonNode body = body(result);
		assertThat(body.get("link").stringValue()).isEqualTo(WorkOsFixtures.RECORDED_LINK);
		assertThat(body.get("expires_at").stringValue()).isEqualTo("2026-11-28T12:05:00Z");
		assertThat(body.get("organization").stringValue()).isEqualTo("org_01H1234567890ABCDEFGHIJK");
		assertThat(body.get("intent").stringValue()).isEqualTo("sso");
		assertThat(body.size()).isEqualTo(4);
		OpenApiContract.assertInteractionMatches(result);
		workOs.verify(1, postRequestedFor(urlEqualTo("/portal/generate_link"))
			.withHeader("Authorization", equalTo("Bearer " + TestCallers.API_KEY))
			.withHeader("Accept", equalTo("application/json"))
			.withHeader("Content-Type", equalTo("application/json"))
			.withHeader("User-Agent", matching("portal-gateway/.+"))
			.withHeader("Idempotency-Key", matching("[0-9a-f-]{36}"))
			.withHeader("X-Request-Id", equalTo("caller-req-7"))
			.withRequestBody(equalToJson(
					"""
							{"organization":"org_01H1234567890ABCDEFGHIJK","intent":"sso",
							 "return_url":"https://app.example.com/settings","success_url":"https://eu.billing.example.com/ok",
							 "intent_options":{"sso":{"provider_type":"GoogleSAML"}},"it_contact_emails":["it@example.com"]}""")));
		assertThat(ConsoleLines.flushed(output))
			.containsPattern("audit.*portal_link caller=billing organization=org_01H1234567890ABCDEFGHIJK "
					+ "intent=sso outcome=created status=201 upstream_request_id=req_upstream_1 latency_ms=\\d+ "
					+ "request_id=caller-req-7");
	}

	@Test
	void generatesARequestIdWhenTheCallerSendsNone() {
		stub(json(201, "generate_link-201.json"));
		EntityExchangeResult<byte[]> result = post(valid(), (headers) -> {
		});
		String id = result.getResponseHeaders().getFirst("X-Request-Id");
		assertThat(id).matches("[0-9a-f-]{36}");
		workOs.verify(postRequestedFor(urlEqualTo("/portal/generate_link")).withHeader("X-Request-Id", equalTo(id)));
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "not json | body", "[1,2] | body",
			"{\"organization\":\"org_1\",\"intent\":\"sso\",\"returnUrl\":\"https://app.example.com\"} | returnUrl",
			"{\"organization\":\"acme\",\"intent\":\"sso\"} | organization", "{\"intent\":\"sso\"} | organization",
			"{\"organization\":\"org_1\",\"intent\":\"sso\",\"it_contact_emails\":[\"a@example.com\",\"a@example.com\","
					+ "\"a@example.com\",\"a@example.com\",\"a@example.com\",\"a@example.com\",\"a@example.com\","
					+ "\"a@example.com\",\"a@example.com\",\"a@example.com\",\"a@example.com\",\"a@example.com\","
					+ "\"a@example.com\",\"a@example.com\",\"a@example.com\",\"a@example.com\",\"a@example.com\","
					+ "\"a@example.com\",\"a@example.com\",\"a@example.com\",\"a@example.com\"]} | it_contact_emails" })
	void rejectsMalformedRequestsWith400(String body, String field) {
		EntityExchangeResult<byte[]> result = post(body);
		JsonNode problem = problem(result, 400, "invalid_request");
		assertThat(problem.get("errors").get(0).get("field").stringValue()).isEqualTo(field);
		workOs.verify(0, anyRequestedFor(anyUrl()));
	}

	@Test
	void rejectsAnUnknownIntentWith422() {
		JsonNode problem = problem(post("{\"organization\":\"org_1\",\"intent\":\"saml\"}"), 422, "invalid_intent");
		assertThat(problem.get("errors").get(0).get("field").stringValue()).isEqualTo("intent");
	}

	@ParameterizedTest
	@CsvSource({ "return_url, http://app.example.com/x", "success_url, not a url", "return_url, //app.example.com" })
	void rejectsAMalformedOrPlainHttpUrlWith422(String field, String url) {
		JsonNode problem = problem(
				post("{\"organization\":\"org_1\",\"intent\":\"sso\",\"" + field + "\":\"" + url + "\"}"), 422,
				"invalid_url");
		assertThat(problem.get("errors").get(0).get("field").stringValue()).isEqualTo(field);
	}

	@Test
	void rejectsAMissingTokenWith401AndAChallenge() {
		EntityExchangeResult<byte[]> result = this.client.post()
			.uri("/v1/portal-links")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(valid())
			.exchange()
			.expectBody()
			.returnResult();
		problem(result, 401, "unauthorized");
		assertThat(result.getResponseHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
			.isEqualTo("Bearer realm=\"portal-gateway\"");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "Bearer not-a-known-token", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Bearer",
			"Bearer billing-secret-token-0001 extra", "bearer " })
	void rejectsAnUnknownOrMalformedTokenWith401(String authorization) {
		EntityExchangeResult<byte[]> result = post(valid(), (headers) -> headers.set("Authorization", authorization));
		problem(result, 401, "unauthorized");
		assertThat(result.getResponseHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
			.isEqualTo("Bearer realm=\"portal-gateway\", error=\"invalid_token\"");
		workOs.verify(0, anyRequestedFor(anyUrl()));
	}

	@Test
	void rejectsTwoAuthorizationHeadersWith401EvenWhenBothAreValid() {
		// A proxy reading the other one would disagree with the gateway about the caller.
		EntityExchangeResult<byte[]> result = post(valid(), (headers) -> {
			headers.set(HttpHeaders.AUTHORIZATION, "Bearer " + TestCallers.BILLING_TOKEN);
			headers.add(HttpHeaders.AUTHORIZATION, "Bearer " + TestCallers.AUDITOR_TOKEN);
		});
		problem(result, 401, "unauthorized");
		assertThat(result.getResponseHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
			.isEqualTo("Bearer realm=\"portal-gateway\", error=\"invalid_token\"");
		workOs.verify(0, anyRequestedFor(anyUrl()));
	}

	@Test
	void rejectsAnIntentTheCallerMayNotUseWith403(CapturedOutput output) {
		EntityExchangeResult<byte[]> result = post("{\"organization\":\"org_1\",\"intent\":\"audit_logs\"}");
		problem(result, 403, "intent_not_allowed");
		workOs.verify(0, anyRequestedFor(anyUrl()));
		assertThat(ConsoleLines.flushed(output))
			.contains("caller=billing organization=org_1 intent=audit_logs outcome=intent_not_allowed " + "status=403");
	}

	@Test
	void letsEachCallerUseOnlyItsOwnIntents() {
		stub(json(201, "generate_link-201.json"));
		EntityExchangeResult<byte[]> result = post("{\"organization\":\"org_1\",\"intent\":\"audit_logs\"}",
				(headers) -> headers.setBearerAuth(TestCallers.AUDITOR_TOKEN));
		assertThat(result.getStatus().value()).isEqualTo(201);
		problem(post("{\"organization\":\"org_1\",\"intent\":\"sso\"}",
				(headers) -> headers.setBearerAuth(TestCallers.AUDITOR_TOKEN)), 403, "intent_not_allowed");
	}

	@Test
	void refusesAnItContactWhenThePolicyDeniesThem(CapturedOutput output) {
		JsonNode problem = problem(post(
				"{\"organization\":\"org_1\",\"intent\":\"audit_logs\",\"it_contact_emails\":[\"it@example.com\"]}",
				(headers) -> headers.setBearerAuth(TestCallers.AUDITOR_TOKEN)), 403, "it_contact_email_not_allowed");
		assertThat(problem.get("errors").get(0).get("field").stringValue()).isEqualTo("it_contact_emails[0]");
		workOs.verify(0, anyRequestedFor(anyUrl()));
		assertThat(ConsoleLines.flushed(output)).contains(
				"caller=auditor organization=org_1 intent=audit_logs outcome=it_contact_email_not_allowed status=403");
	}

	@ParameterizedTest
	@CsvSource({ "it@example.com, 201", "IT@Example.COM, 201", "it@other.com, 403", "it@sub.example.com, 403",
			"it@example.com.evil.net, 403" })
	void allowsItContactsOnlyFromThePolicysDomains(String email, int status) {
		stub(json(201, "generate_link-201.json"));
		EntityExchangeResult<byte[]> result = post("{\"organization\":\"org_1\",\"intent\":\"sso\","
				+ "\"it_contact_emails\":[\"ok@example.com\",\"" + email + "\"]}");
		assertThat(result.getStatus().value()).isEqualTo(status);
		if (status == 403) {
			JsonNode problem = problem(result, 403, "it_contact_email_not_allowed");
			assertThat(problem.get("errors").size()).isEqualTo(1);
			assertThat(problem.get("errors").get(0).get("field").stringValue()).isEqualTo("it_contact_emails[1]");
			workOs.verify(0, anyRequestedFor(anyUrl()));
		}
	}

	@ParameterizedTest
	@CsvSource({ "org_1, 201", "org_01A7XYZ, 201", "org_01A, 201", "org_01B7XYZ, 403", "org_10, 403",
			"org_01a7XYZ, 403" })
	void limitsACallerToItsOrganizations(String organization, int status, CapturedOutput output) {
		stub(json(201, "generate_link-201.json"));
		EntityExchangeResult<byte[]> result = post(
				"{\"organization\":\"" + organization + "\",\"intent\":\"audit_logs\"}",
				(headers) -> headers.setBearerAuth(TestCallers.AUDITOR_TOKEN));
		assertThat(result.getStatus().value()).isEqualTo(status);
		if (status == 403) {
			JsonNode problem = problem(result, 403, "organization_not_allowed");
			assertThat(problem.get("errors").get(0).get("field").stringValue()).isEqualTo("organization");
			workOs.verify(0, anyRequestedFor(anyUrl()));
			assertThat(ConsoleLines.flushed(output)).contains("caller=auditor organization=" + organization
					+ " intent=audit_logs outcome=organization_not_allowed status=403");
		}
	}

	@ParameterizedTest
	@CsvSource({ "return_url, https://evil.example.net/x", "success_url, https://billing.example.com/x",
			"return_url, https://app.example.com.evil.net/", "success_url, http://localhost:3000/" })
	void rejectsAReturnUrlHostNotAllowedForTheCallerWith403(String field, String url) {
		JsonNode problem = problem(
				post("{\"organization\":\"org_1\",\"intent\":\"sso\",\"" + field + "\":\"" + url + "\"}"), 403,
				"return_url_not_allowed");
		assertThat(problem.get("errors").get(0).get("field").stringValue()).isEqualTo(field);
		workOs.verify(0, anyRequestedFor(anyUrl()));
	}

	@Test
	void rejectsABodyOver16KiBWith413() {
		String padding = "x".repeat(16 * 1024);
		problem(post("{\"organization\":\"org_1\",\"intent\":\"sso\",\"pad\":\"" + padding + "\"}"), 413,
				"payload_too_large");
	}

	@Test
	void rejectsAChunkedBodyOver16KiBWith413() {
		// Every time: the rest of the body is read before the answer, so the caller is
		// not
		// still sending when it comes, and the connection stays open.
		for (int i = 0; i < 20; i++) {
			byte[] chunk = "x".repeat(4096).getBytes(StandardCharsets.UTF_8);
			Flux<DataBuffer> body = Flux.range(0, 16).map((n) -> DefaultDataBufferFactory.sharedInstance.wrap(chunk));
			EntityExchangeResult<byte[]> result = this.client.post()
				.uri("/v1/portal-links")
				.contentType(MediaType.APPLICATION_JSON)
				.headers((headers) -> headers.setBearerAuth(TestCallers.BILLING_TOKEN))
				.body(body, DataBuffer.class)
				.exchange()
				.expectBody()
				.returnResult();
			assertThat(result.getRequestHeaders().getContentLength()).isEqualTo(-1);
			problem(result, 413, "payload_too_large");
			assertThat(result.getResponseHeaders().getConnection()).doesNotContain("close");
		}
	}

	@ParameterizedTest
	@CsvSource({ "text/plain", "application/x-www-form-urlencoded", "application/xml" })
	void rejectsOtherContentTypesWith415(String contentType) {
		problem(post(valid(), (headers) -> headers.set("Content-Type", contentType)), 415, "unsupported_media_type");
	}

	@Test
	void rejectsOtherMethodsWith405() {
		for (String method : new String[] { "GET", "PUT", "DELETE", "PATCH" }) {
			EntityExchangeResult<byte[]> result = this.client
				.method(org.springframework.http.HttpMethod.valueOf(method))
				.uri("/v1/portal-links")
				.headers((headers) -> headers.setBearerAuth(TestCallers.BILLING_TOKEN))
				.exchange()
				.expectBody()
				.returnResult();
			assertThat(result.getStatus().value()).as(method).isEqualTo(405);
			assertThat(result.getResponseHeaders().getFirst(HttpHeaders.ALLOW)).isEqualTo("POST");
			assertThat(body(result).get("code").stringValue()).isEqualTo("method_not_allowed");
		}
	}

	@Test
	void answersUnknownPathsWith404Problem() {
		EntityExchangeResult<byte[]> result = this.client.get()
			.uri("/v1/nothing-here")
			.exchange()
			.expectBody()
			.returnResult();
		assertThat(result.getStatus().value()).isEqualTo(404);
		assertThat(result.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(body(result).get("code").stringValue()).isEqualTo("not_found");
		assertThat(this.client.get().uri("/actuator/health").exchange().expectBody().returnResult().getStatus().value())
			.as("actuator must not be on the callers' port")
			.isEqualTo(404);
	}

	@Test
	void answersOrganizationNotFoundWhenWorkOsDoesNotKnowIt() {
		stub(json(404, "generate_link-404.json"));
		JsonNode problem = problem(post(valid()), 404, "organization_not_found");
		assertThat(problem.get("upstream_request_id").stringValue()).isEqualTo("req_upstream_1");
	}

	@ParameterizedTest
	@CsvSource({ "400, generate_link-400.json, Intent 'bring_your_own_key' is not enabled for this environment.",
			"422, generate_link-422.json, Validation failed" })
	void answersUpstreamRejectedWithWorkOsMessage(int status, String fixture, String message) {
		stub(json(status, fixture));
		JsonNode problem = problem(post(valid()), 422, "upstream_rejected");
		assertThat(problem.get("detail").stringValue()).contains(message);
	}

	@ParameterizedTest
	@CsvSource({ "401", "403" })
	void answersUpstreamAuthFailedAndLogsWithoutTheKey(int status, CapturedOutput output) {
		stub(json(status, "generate_link-401.json"));
		problem(post(valid()), 502, "upstream_auth_failed");
		assertThat(ConsoleLines.flushed(output))
			.containsPattern("ERROR.*WorkOS answered " + status + " to API key sk_test_\\*\\*\\*\\*\\(")
			.doesNotContain(TestCallers.API_KEY);
	}

	@ParameterizedTest
	@CsvSource({ "500", "502", "503" })
	void answersUpstreamErrorForWorkOs5xx(int status) {
		stub(json(status, "generate_link-500.json"));
		problem(post(valid()), 502, "upstream_error");
	}

	@Test
	void answersUpstreamErrorForAnUnparseableAnswer() {
		stub(aResponse().withStatus(201).withHeader("Content-Type", "text/html").withBody("<html>maintenance</html>"));
		problem(post(valid()), 502, "upstream_error");
	}

	@Test
	void answersUpstreamTimeoutWhenWorkOsIsTooSlow() {
		stub(json(201, "generate_link-201.json").withFixedDelay(3000));
		problem(post(valid()), 504, "upstream_timeout");
	}

	@Test
	void answersRateLimitedWithRetryAfterWhenWorkOsSays429() {
		stub(json(429, "generate_link-429.json").withHeader("Retry-After", "0"));
		EntityExchangeResult<byte[]> result = post(valid());
		problem(result, 429, "rate_limited");
		assertThat(result.getResponseHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
	}

	@Test
	void neverLogsOrEchoesSecrets(CapturedOutput output) {
		stub(json(201, "generate_link-201.json"));
		EntityExchangeResult<byte[]> created = post(valid());
		assertThat(created.getStatus().value()).isEqualTo(201);
		stub(json(401, "generate_link-401.json"));
		EntityExchangeResult<byte[]> failed = post(valid());
		post(valid(), (headers) -> headers.setBearerAuth("wrong-secret-token-xyz"));
		String linkToken = WorkOsFixtures.RECORDED_LINK.substring(WorkOsFixtures.RECORDED_LINK.indexOf("token=") + 6);
		assertThat(ConsoleLines.flushed(output)).doesNotContain(TestCallers.API_KEY)
			.doesNotContain(TestCallers.BILLING_TOKEN)
			.doesNotContain("wrong-secret-token-xyz")
			.doesNotContain(linkToken);
		assertThat(new String(failed.getResponseBodyContent(), StandardCharsets.UTF_8))
			.doesNotContain(TestCallers.API_KEY)
			.doesNotContain("sk_test_");
	}

	private static String valid() {
		return "{\"organization\":\"org_01H1234567890ABCDEFGHIJK\",\"intent\":\"sso\"}";
	}

	private void stub(ResponseDefinitionBuilder response) {
		workOs.stubFor(WireMock.post("/portal/generate_link").willReturn(response));
	}

	private EntityExchangeResult<byte[]> post(String body) {
		return post(body, (headers) -> {
		});
	}

	private EntityExchangeResult<byte[]> post(String body, Consumer<HttpHeaders> headers) {
		return this.client.post().uri("/v1/portal-links").headers((h) -> {
			h.setBearerAuth(TestCallers.BILLING_TOKEN);
			h.setContentType(MediaType.APPLICATION_JSON);
			headers.accept(h);
		}).bodyValue(body.getBytes(StandardCharsets.UTF_8)).exchange().expectBody().returnResult();
	}

	/** Asserts the shape every problem shares and returns its body. */
	private JsonNode problem(EntityExchangeResult<byte[]> result, int status, String code) {
		assertThat(result.getStatus().value()).isEqualTo(status);
		assertThat(result.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		JsonNode body = body(result);
		assertThat(body.get("code").stringValue()).isEqualTo(code);
		assertThat(body.get("status").intValue()).isEqualTo(status);
		assertThat(body.get("type").stringValue()).isEqualTo("urn:portal-gateway:problem:" + code);
		assertThat(body.get("title").stringValue()).isNotBlank();
		assertThat(body.get("detail").stringValue()).isNotBlank();
		assertThat(body.get("request_id").stringValue())
			.isEqualTo(result.getResponseHeaders().getFirst("X-Request-Id"));
		assertThat(body.toString()).doesNotContain("Exception").doesNotContain("\tat ");
		OpenApiContract.assertResponseMatches(result);
		return body;
	}

	private JsonNode body(EntityExchangeResult<byte[]> result) {
		return this.json.readTree(result.getResponseBodyContent());
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class FixedClock {

		@Bean
		@Primary
		Clock fixedClock() {
			return Clock.fixed(NOW, ZoneOffset.UTC);
		}

	}

}
