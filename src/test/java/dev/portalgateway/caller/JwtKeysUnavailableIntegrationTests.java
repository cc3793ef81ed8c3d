package dev.portalgateway.caller;

import java.time.Duration;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.portalgateway.ManualTicker;
import dev.portalgateway.OpenApiContract;
import dev.portalgateway.StubbedWorkOs;
import dev.portalgateway.TestCallers;
import dev.portalgateway.TestJwts;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the issuer's keys cannot be downloaded and the gateway has none yet, a JWT caller
 * is told to come back (503 with {@code Retry-After}), not that its token is invalid, and
 * WorkOS is not called; once the issuer answers, the same token works.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "management.server.port=0")
@Import(ManualTicker.InContext.class)
@StubbedWorkOs(callers = false)
class JwtKeysUnavailableIntegrationTests {

	@Autowired
	WireMockServer workOs;

	@RegisterExtension
	static WireMockExtension issuer = WorkOsFixtures.workOs();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestCallers.register(registry);
		TestJwts.register(registry, () -> issuer.baseUrl() + "/jwks");
	}

	@LocalServerPort
	int port;

	@Autowired
	ManualTicker ticker;

	@Test
	void answers503UntilTheIssuersKeysCanBeHad() {
		issuer.stubFor(get("/jwks").willReturn(aResponse().withStatus(500)));
		WorkOsFixtures.stubLinks(workOs,
				aResponse().withStatus(201)
					.withHeader("Content-Type", "application/json")
					.withBody(WorkOsFixtures.read("generate_link-201.json")));
		String token = TestJwts.sign(TestJwts.RSA);
		EntityExchangeResult<byte[]> unavailable = requestLink(token);
		assertThat(unavailable.getStatus().value()).isEqualTo(503);
		// Not before the default jwks-refresh-min-interval: the keys are not asked for
		// again sooner.
		assertThat(unavailable.getResponseHeaders().getFirst("Retry-After")).isEqualTo("10");
		assertThat(new String(unavailable.getResponseBodyContent())).contains("\"code\":\"auth_unavailable\"");
		OpenApiContract.assertInteractionMatches(unavailable);
		assertThat(WorkOsFixtures.linkRequests(workOs)).isEmpty();

		issuer.stubFor(get("/jwks").willReturn(aResponse().withStatus(200).withBody(TestJwts.jwks())));
		assertThat(requestLink(token).getStatus().value()).as("within the refresh interval").isEqualTo(503);
		this.ticker.advance(Duration.ofSeconds(10));
		assertThat(requestLink(token).getStatus().value()).isEqualTo(201);
		assertThat(WorkOsFixtures.linkRequests(workOs)).hasSize(1);
	}

	private EntityExchangeResult<byte[]> requestLink(String token) {
		return TestCallers.requestLink(TestCallers.client(this.port), token).expectBody().returnResult();
	}

}
