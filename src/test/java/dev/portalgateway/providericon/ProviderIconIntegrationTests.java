package dev.portalgateway.providericon;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import dev.portalgateway.OpenApiContract;
import dev.portalgateway.StubbedWorkOs;
import dev.portalgateway.TestCallers;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /v1/provider-icons} as callers see it: cached answers with validators,
 * filters, single icons, problems, and the cache's metrics.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "gateway.icons.refresh-after=10m", "gateway.icons.max-stale=24h" })
@StubbedWorkOs
class ProviderIconIntegrationTests {

	@Autowired
	WireMockServer workOs;

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	WebTestClient client;

	final JsonMapper json = JsonMapper.builder().build();

	@BeforeEach
	void setUp() {
		this.client = TestCallers.client(this.port);
		workOs.stubFor(WireMock.get("/portal/provider_icons")
			.willReturn(aResponse().withStatus(200)
				.withHeader("Content-Type", "application/json")
				.withBody(WorkOsFixtures.read("provider_icons-200.json"))));
	}

	@Test
	void servesTheListFromTheCacheWithValidators() {
		EntityExchangeResult<byte[]> first = get("/v1/provider-icons", TestCallers.AUDITOR_TOKEN, null);
		assertThat(first.getStatus().value()).isEqualTo(200);
		HttpHeaders headers = first.getResponseHeaders();
		assertThat(headers.getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
		assertThat(headers.getETag()).matches("\"[0-9a-f]{32}\"");
		assertThat(headers.getCacheControl())
			.isEqualTo("max-age=600, stale-while-revalidate=600, stale-if-error=86400");
		assertThat(Long.parseLong(headers.getFirst(HttpHeaders.AGE))).isGreaterThanOrEqualTo(0);
		assertThat(headers.getContentLength()).isEqualTo(first.getResponseBodyContent().length);
		JsonNode body = this.json.readTree(first.getResponseBodyContent());
		assertThat(body.size()).isEqualTo(3);
		assertThat(body.get(2).get("icon_url").stringValue())
			.isEqualTo("https://cdn.workos.com/provider-icons/light/azure.svg");
		OpenApiContract.assertInteractionMatches(first);
		EntityExchangeResult<byte[]> second = get("/v1/provider-icons", TestCallers.BILLING_TOKEN, headers.getETag());
		assertThat(second.getStatus().value()).isEqualTo(304);
		assertThat(second.getResponseHeaders().getETag()).isEqualTo(headers.getETag());
		assertThat(second.getResponseHeaders().getCacheControl()).isEqualTo(headers.getCacheControl());
		assertThat(second.getResponseHeaders().getContentType()).isNull();
		assertThat(second.getResponseBodyContent()).isNullOrEmpty();
		assertThat(get("/v1/provider-icons", TestCallers.BILLING_TOKEN, "\"other\"").getStatus().value())
			.isEqualTo(200);
		// At most one fetch for all three answers (another test may have warmed the
		// cache).
		workOs.verify(WireMock.lessThanOrExactly(1), getRequestedFor(urlEqualTo("/portal/provider_icons")));
		assertThat(TestCallers.scrape(this.managementPort))
			.containsPattern("cache_gets_total\\{cache=\"provider_icons\",[^}]*result=\"hit\"[^}]*\\} [1-9]");
	}

	@Test
	void filtersByProvider() {
		EntityExchangeResult<byte[]> okta = get("/v1/provider-icons?provider=OktaSAML", TestCallers.BILLING_TOKEN,
				null);
		assertThat(this.json.readTree(okta.getResponseBodyContent()).toString()).isEqualTo(
				"[{\"provider\":\"OktaSAML\",\"icon_url\":\"https://cdn.workos.com/provider-icons/light/okta.svg\"}]");
		OpenApiContract.assertInteractionMatches(okta);
		EntityExchangeResult<byte[]> none = get("/v1/provider-icons?provider=Nobody", TestCallers.BILLING_TOKEN, null);
		assertThat(new String(none.getResponseBodyContent())).isEqualTo("[]");
	}

	@Test
	void servesOneProviderOr404() {
		EntityExchangeResult<byte[]> okta = get("/v1/provider-icons/OktaSAML", TestCallers.BILLING_TOKEN, null);
		assertThat(this.json.readTree(okta.getResponseBodyContent()).get("provider").stringValue())
			.isEqualTo("OktaSAML");
		assertThat(okta.getResponseHeaders().getETag()).isNotNull();
		OpenApiContract.assertInteractionMatches(okta);
		EntityExchangeResult<byte[]> missing = get("/v1/provider-icons/Nobody", TestCallers.BILLING_TOKEN, null);
		assertThat(missing.getStatus().value()).isEqualTo(404);
		assertThat(this.json.readTree(missing.getResponseBodyContent()).get("code").stringValue())
			.isEqualTo("icon_not_found");
		OpenApiContract.assertResponseMatches(missing);
	}

	@Test
	void rejectsMalformedProvidersAndMissingTokens() {
		EntityExchangeResult<byte[]> bad = get("/v1/provider-icons?provider=%3Cscript%3E", TestCallers.BILLING_TOKEN,
				null);
		assertThat(bad.getStatus().value()).isEqualTo(400);
		assertThat(this.json.readTree(bad.getResponseBodyContent()).get("errors").get(0).get("field").stringValue())
			.isEqualTo("provider");
		OpenApiContract.assertResponseMatches(bad);
		// Given twice: refused, not one of the two answered.
		EntityExchangeResult<byte[]> twice = get("/v1/provider-icons?provider=OktaSAML&provider=GoogleSAML",
				TestCallers.BILLING_TOKEN, null);
		assertThat(twice.getStatus().value()).isEqualTo(400);
		JsonNode twiceError = this.json.readTree(twice.getResponseBodyContent()).get("errors").get(0);
		assertThat(twiceError.get("field").stringValue()).isEqualTo("provider");
		assertThat(twiceError.get("message").stringValue()).isEqualTo("must be given at most once");
		OpenApiContract.assertResponseMatches(twice);
		EntityExchangeResult<byte[]> anonymous = this.client.get()
			.uri("/v1/provider-icons")
			.exchange()
			.expectBody()
			.returnResult();
		assertThat(anonymous.getStatus().value()).isEqualTo(401);
		OpenApiContract.assertResponseMatches(anonymous);
		this.client.post()
			.uri("/v1/provider-icons")
			.headers((h) -> h.setBearerAuth(TestCallers.BILLING_TOKEN))
			.exchange()
			.expectStatus()
			.isEqualTo(405)
			.expectHeader()
			.valueEquals(HttpHeaders.ALLOW, "GET");
	}

	private EntityExchangeResult<byte[]> get(String uri, String token, String ifNoneMatch) {
		return this.client.get().uri(uri).headers((headers) -> {
			headers.setBearerAuth(token);
			if (ifNoneMatch != null) {
				headers.setIfNoneMatch(ifNoneMatch);
			}
		}).exchange().expectBody().returnResult();
	}

}
