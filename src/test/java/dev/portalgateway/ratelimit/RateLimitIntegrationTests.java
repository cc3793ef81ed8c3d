package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.portalgateway.StubbedWorkOs;
import dev.portalgateway.TestCallers;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.netty.resources.ConnectionProvider;
import reactor.test.StepVerifier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway protects WorkOS from its own callers: a burst larger than the quota reaches
 * WorkOS only up to the quota, everyone else gets a prompt 429. The window is an hour
 * long here so that no window boundary can fall inside the test.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "gateway.rate-limit.portal-links.period=1h" })
@StubbedWorkOs
class RateLimitIntegrationTests {

	@Autowired
	WireMockServer workOs;

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@Test
	void aBurstOf150ReachesWorkOsOnlyUpToTheQuota() {
		workOs.stubFor(post("/portal/generate_link").willReturn(aResponse().withStatus(201)
			.withHeader("Content-Type", "application/json")
			.withBody(WorkOsFixtures.read("generate_link-201.json"))));
		ConnectionProvider connections = ConnectionProvider.builder("burst").maxConnections(50).build();
		WebClient client = TestCallers.webClient(this.port, connections);
		Flux<ResponseEntity<Void>> burst = Flux.range(0, 150)
			.flatMap((i) -> client.post()
				.uri("/v1/portal-links")
				.headers((headers) -> headers.setBearerAuth(TestCallers.BILLING_TOKEN))
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue("{\"organization\":\"org_" + i + "\",\"intent\":\"sso\"}")
				.exchangeToMono((response) -> response.toBodilessEntity()), 50);
		StepVerifier.create(burst.collectList()).assertNext((answers) -> {
			Map<Integer, List<ResponseEntity<Void>>> byStatus = answers.stream()
				.collect(Collectors.groupingBy((answer) -> answer.getStatusCode().value()));
			assertThat(byStatus).containsOnlyKeys(201, 429);
			assertThat(byStatus.get(201)).hasSize(100);
			assertThat(byStatus.get(429)).hasSize(50).allSatisfy((answer) -> {
				HttpHeaders headers = answer.getHeaders();
				assertThat(Long.parseLong(headers.getFirst(HttpHeaders.RETRY_AFTER))).isGreaterThanOrEqualTo(1);
				assertThat(headers.getFirst("RateLimit-Limit")).isEqualTo("100");
				assertThat(headers.getFirst("RateLimit-Remaining")).isEqualTo("0");
				assertThat(headers.getFirst("RateLimit-Reset")).isNotNull();
			});
			assertThat(byStatus.get(201))
				.allSatisfy((answer) -> assertThat(answer.getHeaders().getFirst("RateLimit-Limit")).isEqualTo("100"));
			assertThat(byStatus.get(201).stream().map((answer) -> answer.getHeaders().getFirst("RateLimit-Remaining")))
				.contains("0");
		}).expectComplete().verify(Duration.ofSeconds(60));
		connections.dispose();
		assertThat(WorkOsFixtures.linkRequests(workOs)).hasSize(100);
		String metrics = TestCallers.scrape(this.managementPort);
		assertThat(metrics)
			.contains("gateway_ratelimit_rejected_total{operation=\"portal_links\",reason=\"quota\"} 50.0")
			.contains("gateway_ratelimit_available_permits{operation=\"portal_links\"} 0.0")
			.contains("gateway_ratelimit_available_permits{operation=\"provider_icons\"} 1000.0")
			.containsPattern(
					"workos_client_requests_seconds_count\\{[^}]*operation=\"portal_links\",outcome=\"success\","
							+ "status=\"2xx\"[^}]*\\} 100");
	}

}
