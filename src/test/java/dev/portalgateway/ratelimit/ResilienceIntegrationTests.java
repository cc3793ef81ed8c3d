package dev.portalgateway.ratelimit;

import java.time.Duration;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.portalgateway.StubbedWorkOs;
import dev.portalgateway.TestCallers;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retries and the key's cool-down as callers and operators see them: answers, headers and
 * metrics. The cool-down, once started, holds the key for two minutes: the test that
 * starts it closes its context after it, so the tests run in any order.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = { "management.server.port=0",
		// Real HTTP in real time: 20 ms instead of the default 500 ms, and no
		// jitter, keep the retry test short and its waits exact. The default
		// backoff runs in UpstreamRetryTests and ResilienceChainSimulationTests.
		"gateway.retry.first-backoff=20ms", "gateway.retry.jitter=0" })
@StubbedWorkOs
class ResilienceIntegrationTests {

	@Autowired
	WireMockServer workOs;

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	WebTestClient client;

	@BeforeEach
	void setUp() {
		this.client = TestCallers.client(this.port);
	}

	@Test
	void retriesAServerErrorAndAnswersWithTheLink() {
		workOs.stubFor(post("/portal/generate_link").inScenario("flaky")
			.whenScenarioStateIs(Scenario.STARTED)
			.willSetStateTo("recovered")
			.willReturn(aResponse().withStatus(503)));
		workOs.stubFor(post("/portal/generate_link").inScenario("flaky")
			.whenScenarioStateIs("recovered")
			.willReturn(aResponse().withStatus(201)
				.withHeader("Content-Type", "application/json")
				.withBody(WorkOsFixtures.read("generate_link-201.json"))));
		TestCallers.requestLink(this.client).expectStatus().isCreated();
		assertThat(WorkOsFixtures.linkRequests(workOs)).hasSize(2);
		assertThat(TestCallers.scrape(this.managementPort))
			.contains("workos_client_retries_total{cause=\"503\",operation=\"portal_links\"} 1.0")
			.containsPattern(
					"workos_client_requests_seconds_count\\{[^}]*outcome=\"server_error\",status=\"503\"[^}]*\\} 1")
			.contains("gateway_ratelimit_cooldown_active 0.0");
	}

	@Test
	@DirtiesContext(methodMode = DirtiesContext.MethodMode.AFTER_METHOD)
	void holdsTheKeyForTheCooldownWorkOsAsksFor() {
		workOs.stubFor(post("/portal/generate_link").willReturn(aResponse().withStatus(429)
			.withHeader("Content-Type", "application/json")
			.withHeader("Retry-After", "120")
			.withBody(WorkOsFixtures.read("generate_link-429.json"))));
		long start = System.nanoTime();
		String retryAfter = TestCallers.requestLink(this.client)
			.expectStatus()
			.isEqualTo(429)
			.returnResult(String.class)
			.getResponseHeaders()
			.getFirst("Retry-After");
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
		assertThat(Long.parseLong(retryAfter)).isBetween(119L, 120L);
		TestCallers.requestLink(this.client)
			.expectStatus()
			.isEqualTo(429)
			.expectHeader()
			.value("Retry-After", (value) -> assertThat(Long.parseLong(value)).isBetween(110L, 120L))
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("rate_limited");
		assertThat(WorkOsFixtures.linkRequests(workOs)).as("the second request never reached WorkOS").hasSize(1);
		assertThat(TestCallers.scrape(this.managementPort)).contains("gateway_ratelimit_cooldown_active 1.0")
			.contains("gateway_ratelimit_rejected_total{operation=\"portal_links\",reason=\"cooldown\"} 1.0")
			.containsPattern(
					"workos_client_requests_seconds_count\\{[^}]*outcome=\"rate_limited\",status=\"429\"[^}]*\\} 1");
	}

}
