package dev.portalgateway.system;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import dev.portalgateway.OpenApiContract;
import dev.portalgateway.TestCallers;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The served OpenAPI document, and proof that the contract check used by the integration
 * tests really rejects answers that break the contract.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "gateway.workos.base-url=http://127.0.0.1:9" })
class ApiDocsIntegrationTests {

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestCallers.register(registry);
	}

	@LocalServerPort
	int port;

	@Test
	void servesTheContractWithoutAuthentication() {
		EntityExchangeResult<byte[]> result = client().get()
			.uri("/v1/openapi.yaml")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult();
		assertThat(result.getResponseHeaders().getContentType())
			.isEqualTo(MediaType.parseMediaType("application/yaml"));
		assertThat(new String(result.getResponseBodyContent())).isEqualTo(OpenApiContract.document())
			.startsWith("openapi: 3.1.0");
	}

	@Test
	void answersOtherMethodsOnTheContractWith405() {
		client().post()
			.uri("/v1/openapi.yaml")
			.exchange()
			.expectStatus()
			.isEqualTo(405)
			.expectHeader()
			.valueEquals("Allow", "GET");
	}

	@Test
	void contractCheckRejectsAnswersThatBreakTheContract() {
		OpenApiInteractionValidator validator = OpenApiInteractionValidator
			.createForInlineApiSpecification(OpenApiContract.document())
			.build();
		Request request = SimpleRequest.Builder.post("/v1/portal-links")
			.withContentType("application/json")
			.withAuthorization("Bearer x")
			.withBody("{\"organization\":\"org_1\",\"intent\":\"sso\"}")
			.build();
		SimpleResponse missingExpiry = SimpleResponse.Builder.status(201)
			.withContentType("application/json")
			.withBody("{\"link\":\"https://setup.workos.com/?token=x\",\"organization\":\"org_1\",\"intent\":\"sso\"}")
			.build();
		SimpleResponse unknownCode = SimpleResponse.Builder.status(400)
			.withContentType("application/problem+json")
			.withBody(
					"{\"type\":\"urn:x\",\"title\":\"t\",\"status\":400,\"detail\":\"d\",\"code\":\"oops\",\"request_id\":\"r\"}")
			.build();
		SimpleResponse rateLimitedWithoutRetryAfter = SimpleResponse.Builder.status(429)
			.withContentType("application/problem+json")
			.withBody("{\"type\":\"urn:x\",\"title\":\"t\",\"status\":429,\"detail\":\"d\",\"code\":\"rate_limited\","
					+ "\"request_id\":\"r\"}")
			.build();
		Request unknownField = SimpleRequest.Builder.post("/v1/portal-links")
			.withContentType("application/json")
			.withAuthorization("Bearer x")
			.withBody("{\"organization\":\"org_1\",\"intent\":\"sso\",\"returnUrl\":\"x\"}")
			.build();
		assertThat(validator.validate(request, missingExpiry).hasErrors()).isTrue();
		assertThat(validator.validate(request, unknownCode).hasErrors()).isTrue();
		assertThat(validator.validate(request, rateLimitedWithoutRetryAfter).hasErrors()).isTrue();
		assertThat(validator.validateRequest(unknownField).hasErrors()).as("3.1 keywords the validator skips")
			.isFalse();
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> OpenApiContract.assertBodyMatches("PortalLinkRequest",
					"{\"organization\":\"org_1\",\"intent\":\"sso\",\"returnUrl\":\"x\"}".getBytes()));
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> OpenApiContract.assertBodyMatches("PortalLinkRequest", "[1]".getBytes()));
		byte[] problemWithTrace = ("{\"type\":\"urn:x\",\"title\":\"t\",\"status\":400,\"detail\":\"d\","
				+ "\"code\":\"invalid_request\",\"request_id\":\"r\",\"trace\":\"at Foo.java:1\"}")
			.getBytes();
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> OpenApiContract.assertBodyMatches("Problem", problemWithTrace));
	}

	private WebTestClient client() {
		return TestCallers.client(this.port);
	}

}
