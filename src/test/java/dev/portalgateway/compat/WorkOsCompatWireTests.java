package dev.portalgateway.compat;

import java.nio.charset.StandardCharsets;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.portalgateway.StubbedWorkOs;
import dev.portalgateway.TestCallers;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WorkOS-compatible API on the wire, under a path prefix: WorkOS's answer shapes,
 * JSON always, {@code X-Request-ID} always, WorkOS's statuses only.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "gateway.compat.path-prefix=/workos" })
@StubbedWorkOs
class WorkOsCompatWireTests {

	static final String PATH = "/workos/portal/generate_link";

	static final String BODY = "{\"organization\":\"org_01H1234567890ABCDEFGHIJK\",\"intent\":\"sso\"}";

	@Autowired
	WireMockServer workOs;

	@LocalServerPort
	int port;

	WebTestClient client;

	final JsonMapper json = JsonMapper.builder().build();

	@BeforeEach
	void setUp() {
		this.client = TestCallers.client(this.port);
		workOs.stubFor(post("/portal/generate_link").willReturn(aResponse().withStatus(201)
			.withHeader("Content-Type", "application/json")
			.withBody(WorkOsFixtures.read("generate_link-201.json"))));
		workOs.stubFor(get("/portal/provider_icons").willReturn(aResponse().withStatus(200)
			.withHeader("Content-Type", "application/json")
			.withBody(WorkOsFixtures.read("provider_icons-200.json"))));
	}

	@Test
	void answersALinkAsWorkOsDoes() {
		EntityExchangeResult<byte[]> result = send(PATH, BODY, MediaType.APPLICATION_JSON, TestCallers.BILLING_TOKEN);
		assertThat(result.getStatus().value()).isEqualTo(201);
		assertThat(result.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
		assertThat(result.getResponseHeaders().getCacheControl()).isEqualTo("no-store");
		assertThat(result.getResponseHeaders().getFirst("X-Request-ID")).isNotBlank();
		JsonNode body = body(result);
		assertThat(body.propertyNames()).containsExactly("link");
		assertThat(body.get("link").stringValue()).isEqualTo(WorkOsFixtures.RECORDED_LINK);
	}

	@Test
	void servesOnlyUnderThePrefix() {
		assertThat(
				send("/portal/generate_link", BODY, MediaType.APPLICATION_JSON, TestCallers.BILLING_TOKEN).getStatus()
					.value())
			.isEqualTo(404);
	}

	@Test
	void answersErrorsInWorkOsShapeAndStatuses() {
		JsonNode unauthorized = error(send(PATH, BODY, MediaType.APPLICATION_JSON, null), 401, "unauthorized");
		assertThat(unauthorized.get("message").stringValue()).isNotBlank();
		EntityExchangeResult<byte[]> challenge = send(PATH, BODY, MediaType.APPLICATION_JSON, null);
		assertThat(challenge.getResponseHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).startsWith("Bearer");
		JsonNode unknown = error(send(PATH, "{\"organization\":\"org_1\",\"intent\":\"sso\",\"pad\":1}",
				MediaType.APPLICATION_JSON, TestCallers.BILLING_TOKEN), 400, "invalid_request");
		assertThat(unknown.get("errors").get(0).get("field").stringValue()).isEqualTo("pad");
		assertThat(unknown.get("errors").get(0).get("code").stringValue()).isEqualTo("invalid_request");
		// 415 and 413 are not statuses WorkOS uses: 400, with the gateway's code.
		error(send(PATH, BODY, MediaType.TEXT_PLAIN, TestCallers.BILLING_TOKEN), 400, "unsupported_media_type");
		error(send(PATH, "{\"pad\":\"" + "x".repeat(17 * 1024) + "\"}", MediaType.APPLICATION_JSON,
				TestCallers.BILLING_TOKEN), 400, "payload_too_large");
		error(this.client.get()
			.uri(PATH)
			.headers((headers) -> headers.setBearerAuth(TestCallers.BILLING_TOKEN))
			.exchange()
			.expectBody()
			.returnResult(), 404, "method_not_allowed");
		JsonNode forbidden = error(
				send(PATH, "{\"organization\":\"org_1\",\"intent\":\"dsync\",\"return_url\":\"https://evil.example\"}",
						MediaType.APPLICATION_JSON, TestCallers.BILLING_TOKEN),
				403, "return_url_not_allowed");
		// No errors on a 403: the Node SDK would make any status other than
		// 400/401/404/409/422/429 with code and errors a BadRequestException (400).
		assertThat(forbidden.has("errors")).isFalse();
		assertThat(forbidden.get("message").stringValue()).contains("return URL");
	}

	@Test
	void limitsACallerToItsOrganizationsAndContactsAsOnTheGatewaysApi() {
		JsonNode other = error(send(PATH, "{\"organization\":\"org_01B7XYZ\",\"intent\":\"audit_logs\"}",
				MediaType.APPLICATION_JSON, TestCallers.AUDITOR_TOKEN), 403, "organization_not_allowed");
		assertThat(other.has("errors")).isFalse();
		error(send(PATH,
				"{\"organization\":\"org_01A7XYZ\",\"intent\":\"audit_logs\","
						+ "\"admin_emails\":[\"it@example.com\"]}",
				MediaType.APPLICATION_JSON, TestCallers.AUDITOR_TOKEN), 403, "it_contact_email_not_allowed");
		workOs.verify(0, anyRequestedFor(anyUrl()));
		assertThat(send(PATH, "{\"organization\":\"org_01A7XYZ\",\"intent\":\"audit_logs\"}",
				MediaType.APPLICATION_JSON, TestCallers.AUDITOR_TOKEN)
			.getStatus()
			.value()).isEqualTo(201);
	}

	@Test
	void rejectsAMalformedIdempotencyKey() {
		EntityExchangeResult<byte[]> result = this.client.post().uri(PATH).headers((headers) -> {
			headers.setBearerAuth(TestCallers.BILLING_TOKEN);
			headers.set("Idempotency-Key", "k".repeat(256));
		}).contentType(MediaType.APPLICATION_JSON).bodyValue(BODY).exchange().expectBody().returnResult();
		assertThat(error(result, 400, "invalid_request").get("errors").get(0).get("field").stringValue())
			.isEqualTo("Idempotency-Key");
	}

	@Test
	void servesTheIconListAtTheUpstreamPath() {
		EntityExchangeResult<byte[]> result = this.client.get()
			.uri("/workos/portal/provider_icons")
			.headers((headers) -> headers.setBearerAuth(TestCallers.AUDITOR_TOKEN))
			.exchange()
			.expectBody()
			.returnResult();
		assertThat(result.getStatus().value()).isEqualTo(200);
		assertThat(result.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
		JsonNode icons = body(result);
		assertThat(icons.isArray()).isTrue();
		assertThat(icons.get(0).get("provider").stringValue()).isEqualTo("GoogleOAuth");
		assertThat(icons.get(0).get("icon_url").stringValue()).startsWith("https://");
		error(this.client.get().uri("/workos/portal/provider_icons").exchange().expectBody().returnResult(), 401,
				"unauthorized");
	}

	private EntityExchangeResult<byte[]> send(String path, String body, MediaType type, String token) {
		return this.client.post().uri(path).headers((headers) -> {
			if (token != null) {
				headers.setBearerAuth(token);
			}
		}).contentType(type).bodyValue(body.getBytes(StandardCharsets.UTF_8)).exchange().expectBody().returnResult();
	}

	private JsonNode error(EntityExchangeResult<byte[]> result, int status, String code) {
		assertThat(result.getStatus().value()).isEqualTo(status);
		assertThat(result.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
		assertThat(result.getResponseHeaders().getFirst("X-Request-ID")).isNotBlank();
		JsonNode body = body(result);
		assertThat(body.get("code").stringValue()).isEqualTo(code);
		assertThat(body.get("message").stringValue()).isNotBlank();
		return body;
	}

	private JsonNode body(EntityExchangeResult<byte[]> result) {
		return this.json.readTree(result.getResponseBodyContent());
	}

}
