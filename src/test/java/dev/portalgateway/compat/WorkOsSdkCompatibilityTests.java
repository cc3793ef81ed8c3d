package dev.portalgateway.compat;

import java.util.List;
import java.util.Map;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.workos.WorkOS;
import com.workos.adminportal.AdminPortal;
import com.workos.common.exceptions.NotFoundException;
import com.workos.common.exceptions.RateLimitException;
import com.workos.common.exceptions.UnauthorizedException;
import com.workos.common.exceptions.UnprocessableEntityException;
import com.workos.common.exceptions.WorkOSGenericException;
import com.workos.common.http.RequestConfig;
import com.workos.common.http.RequestOptions;
import com.workos.common.http.RetryConfig;
import com.workos.models.PortalLinkResponse;
import com.workos.types.GenerateLinkIntent;
import dev.portalgateway.ConsoleLines;
import dev.portalgateway.StubbedWorkOs;
import dev.portalgateway.TestCallers;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static dev.portalgateway.WorkOsFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The official WorkOS Java SDK, pointed at the gateway with a caller's token as its API
 * key, gets the link from (WireMock-)WorkOS and the exceptions it would get from WorkOS.
 * The SDK's own retries are off so each test sees one exchange; the gateway's are on.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "management.server.port=0")
@ExtendWith(OutputCaptureExtension.class)
@StubbedWorkOs(callers = false)
class WorkOsSdkCompatibilityTests {

	static final String ORGANIZATION = "org_01H1234567890ABCDEFGHIJK";

	static final String PLATFORM_TOKEN = "platform-secret-token-0003";

	@Autowired
	WireMockServer workOs;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestCallers.register(registry);
		registry.add("gateway.callers[2].name", () -> "platform");
		registry.add("gateway.callers[2].token-sha256", () -> TestCallers.sha256(PLATFORM_TOKEN));
		registry.add("gateway.callers[2].intents", () -> "sso,dsync,audit_logs,log_streams,domain_verification,"
				+ "certificate_renewal,bring_your_own_key");
	}

	@LocalServerPort
	int port;

	final JsonMapper json = JsonMapper.builder().build();

	@BeforeEach
	void resetWorkOs() {
		workOs.resetAll();
	}

	WorkOS sdk(String token) {
		return WorkOS.builder()
			.apiKey(token)
			.apiBaseUrl("http://localhost:" + this.port)
			.retryConfig(RetryConfig.DISABLED)
			.build();
	}

	AdminPortal adminPortal(String token) {
		return sdk(token).getAdminPortal();
	}

	@Test
	void generatesALinkWithTheGatewaysKeyAndTheCallersIdempotencyKey(CapturedOutput output) {
		stub(json(201, "generate_link-201.json"));
		PortalLinkResponse response = adminPortal(TestCallers.BILLING_TOKEN).generateLink(ORGANIZATION,
				"https://app.example.com/settings", null, GenerateLinkIntent.SSO, List.of("it@example.com"),
				RequestOptions.builder().idempotencyKey("sdk-key-0001").build());
		assertThat(response.getLink()).isEqualTo(WorkOsFixtures.RECORDED_LINK);
		LoggedRequest upstream = single();
		assertThat(upstream.getHeader("Authorization")).isEqualTo("Bearer " + TestCallers.API_KEY);
		// Scoped to the caller (IdempotencyKeys): never forwarded as the SDK sent it.
		assertThat(upstream.getHeader("Idempotency-Key")).startsWith("pgw1_").doesNotContain("sdk-key-0001");
		JsonNode body = this.json.readTree(upstream.getBodyAsString());
		assertThat(body.get("organization").stringValue()).isEqualTo(ORGANIZATION);
		assertThat(body.get("intent").stringValue()).isEqualTo("sso");
		assertThat(body.get("return_url").stringValue()).isEqualTo("https://app.example.com/settings");
		assertThat(body.get("it_contact_emails").get(0).stringValue()).isEqualTo("it@example.com");
		assertThat(ConsoleLines.flushed(output))
			.contains("portal_link caller=billing organization=" + ORGANIZATION
					+ " intent=sso outcome=created status=201")
			.doesNotContain(TestCallers.BILLING_TOKEN);
	}

	@Test
	void twoCallersSendingTheSameIdempotencyKeyNeverShareOneAtWorkOsAndEachRetryReusesItsOwn() {
		// WorkOS answers each caller's first try 503, then 201: one retry each.
		String scenario = "first try fails";
		String[] states = { Scenario.STARTED, "billing retry", "platform first", "platform retry", "done" };
		for (int i = 0; i < 4; i++) {
			workOs.stubFor(WireMock.post("/portal/generate_link")
				.inScenario(scenario)
				.whenScenarioStateIs(states[i])
				.willReturn((i % 2 == 0) ? json(503, "generate_link-500.json") : json(201, "generate_link-201.json"))
				.willSetStateTo(states[i + 1]));
		}
		RequestOptions sameKey = RequestOptions.builder().idempotencyKey("shared-key-0001").build();
		for (String token : List.of(TestCallers.BILLING_TOKEN, PLATFORM_TOKEN)) {
			assertThat(adminPortal(token).generateLink(ORGANIZATION, null, null, GenerateLinkIntent.SSO, null, sameKey)
				.getLink()).isEqualTo(WorkOsFixtures.RECORDED_LINK);
		}
		List<String> keys = upstream().stream().map((request) -> request.getHeader("Idempotency-Key")).toList();
		assertThat(keys).hasSize(4).doesNotContain("shared-key-0001");
		assertThat(keys.get(1)).as("billing's retry").isEqualTo(keys.get(0));
		assertThat(keys.get(3)).as("platform's retry").isEqualTo(keys.get(2));
		assertThat(keys.get(2)).as("platform's key").isNotEqualTo(keys.get(0));
	}

	@Test
	void leavesOutTheIntentOnlyForACallerAllowedEveryIntent() {
		stub(json(201, "generate_link-201.json"));
		assertThat(adminPortal(PLATFORM_TOKEN).generateLink(ORGANIZATION).getLink())
			.isEqualTo(WorkOsFixtures.RECORDED_LINK);
		assertThat(this.json.readTree(single().getBodyAsString()).has("intent")).isFalse();
		assertThatExceptionOfType(WorkOSGenericException.class)
			.isThrownBy(() -> adminPortal(TestCallers.BILLING_TOKEN).generateLink(ORGANIZATION))
			.satisfies((ex) -> assertThat(ex.status).isEqualTo(403))
			.satisfies((ex) -> assertThat(ex.code).isEqualTo("intent_not_allowed"));
	}

	@Test
	void anUnknownOrganizationIsTheSdksNotFoundException() {
		stub(json(404, "generate_link-404.json"));
		assertThatExceptionOfType(NotFoundException.class)
			.isThrownBy(() -> adminPortal(TestCallers.BILLING_TOKEN).generateLink(ORGANIZATION, null, null,
					GenerateLinkIntent.SSO))
			.satisfies((ex) -> assertThat(ex.code).isEqualTo("organization_not_found"));
	}

	@Test
	void anInvalidIntentOrUrlIsTheSdksUnprocessableEntityException() {
		// The SDK's enum cannot name an unknown intent; its own client sends the body a
		// newer (or another) SDK would, and translates the answer as usual.
		RequestConfig unknownIntent = new RequestConfig("POST", "/portal/generate_link", List.of(),
				Map.of("organization", ORGANIZATION, "intent", "saml"), null, null);
		assertThatExceptionOfType(UnprocessableEntityException.class)
			.isThrownBy(
					() -> sdk(TestCallers.BILLING_TOKEN).baseClient.request(unknownIntent, PortalLinkResponse.class))
			.satisfies((ex) -> assertThat(ex.code).isEqualTo("invalid_intent"))
			.satisfies((ex) -> assertThat(ex.errors).extracting((error) -> error.field).containsExactly("intent"));
		assertThatExceptionOfType(UnprocessableEntityException.class)
			.isThrownBy(() -> adminPortal(TestCallers.BILLING_TOKEN).generateLink(ORGANIZATION,
					"http://app.example.com/settings", null, GenerateLinkIntent.SSO))
			.satisfies((ex) -> assertThat(ex.code).isEqualTo("invalid_url"))
			.satisfies((ex) -> assertThat(ex.errors).extracting((error) -> error.field).containsExactly("return_url"));
		// WorkOS's own 422 reaches the SDK as a 422 too.
		stub(json(422, "generate_link-422.json"));
		assertThatExceptionOfType(UnprocessableEntityException.class)
			.isThrownBy(() -> adminPortal(TestCallers.BILLING_TOKEN).generateLink(ORGANIZATION,
					"https://app.example.com/settings", null, GenerateLinkIntent.SSO));
		assertThat(upstream()).hasSize(1);
	}

	@Test
	void aDisallowedIntentIsA403() {
		assertThatExceptionOfType(WorkOSGenericException.class)
			.isThrownBy(() -> adminPortal(TestCallers.BILLING_TOKEN).generateLink(ORGANIZATION, null, null,
					GenerateLinkIntent.AuditLogs))
			.satisfies((ex) -> assertThat(ex.status).isEqualTo(403))
			.satisfies((ex) -> assertThat(ex.code).isEqualTo("intent_not_allowed"));
		assertThat(upstream()).isEmpty();
	}

	@Test
	void aWrongTokenIsTheSdksUnauthorizedException() {
		assertThatExceptionOfType(UnauthorizedException.class)
			.isThrownBy(() -> adminPortal("sk_test_not_a_caller_token").generateLink(ORGANIZATION, null, null,
					GenerateLinkIntent.SSO));
		assertThat(upstream()).isEmpty();
	}

	@Test
	void rateLimitedIsTheSdksRateLimitExceptionAfterAShortRetryBudget() {
		// Retry-After: 1 and a 2 s budget on this API: the gateway tries twice, then
		// tells the SDK when to come back (the /v1 budget of 10 s would try four times).
		stub(json(429, "generate_link-429.json").withHeader("Retry-After", "1"));
		assertThatExceptionOfType(RateLimitException.class)
			.isThrownBy(() -> adminPortal(TestCallers.BILLING_TOKEN).generateLink(ORGANIZATION, null, null,
					GenerateLinkIntent.SSO))
			.satisfies((ex) -> assertThat(ex.retryAfterSeconds).isGreaterThanOrEqualTo(1L))
			.satisfies((ex) -> assertThat(ex.code).isEqualTo("rate_limit_exceeded"));
		assertThat(upstream()).hasSize(2);
		assertThat(upstream()).extracting((request) -> request.getHeader("Idempotency-Key"))
			.doesNotContainNull()
			.containsOnly(upstream().get(0).getHeader("Idempotency-Key"));
	}

	private void stub(ResponseDefinitionBuilder response) {
		WorkOsFixtures.stubLinks(workOs, response);
	}

	private List<LoggedRequest> upstream() {
		return WorkOsFixtures.linkRequests(workOs);
	}

	private LoggedRequest single() {
		List<LoggedRequest> requests = upstream();
		assertThat(requests).hasSize(1);
		return requests.get(0);
	}

}
