package dev.portalgateway.system;

import java.time.Duration;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.portalgateway.TestCallers;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.test.StepVerifier;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.reactive.function.client.WebClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;

/**
 * A caller keeps its connection open across requests, including after an answer the
 * gateway gave without reading the request's body (401, 415, 413, a bad header): the next
 * request on that connection is answered, not left hanging.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "management.server.port=0")
class KeepAliveTests {

	@RegisterExtension
	static WireMockExtension workOs = WorkOsFixtures.workOs();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("gateway.workos.base-url", workOs::baseUrl);
		TestCallers.register(registry);
	}

	@LocalServerPort
	int port;

	@Test
	void answersEveryRequestOnOneConnectionAfterBodiesItDidNotRead() {
		ConnectionProvider one = ConnectionProvider.create("one-connection", 1);
		WebClient client = WebClient.builder()
			.baseUrl("http://localhost:" + this.port)
			.clientConnector(new ReactorClientHttpConnector(HttpClient.create(one)))
			.build();
		workOs.stubFor(post("/portal/generate_link").willReturn(aResponse().withStatus(201)
			.withHeader("Content-Type", "application/json")
			.withBody(WorkOsFixtures.read("generate_link-201.json"))));
		String body = "{\"organization\":\"org_01H1234567890ABCDEFGHIJK\",\"intent\":\"sso\"}";
		// In turn: 401 (body never read; 429 once the address's failure budget of 20 is
		// spent, also without reading it), 400 for a bad header (body never read), 201.
		Flux<Integer> statuses = Flux.range(0, 90)
			.concatMap((i) -> client.post().uri("/portal/generate_link").headers((headers) -> {
				if (i % 3 != 0) {
					headers.setBearerAuth(TestCallers.BILLING_TOKEN);
				}
				if (i % 3 == 1) {
					headers.set("Idempotency-Key", "k".repeat(300));
				}
			})
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(body)
				.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value()))
				.timeout(Duration.ofSeconds(3)));
		StepVerifier.create(statuses.collectList())
			.expectNextMatches((list) -> list.size() == 90
					&& list.stream().allMatch((s) -> s == 401 || s == 429 || s == 400 || s == 201)
					&& list.stream().filter((s) -> s == 201).count() == 30)
			.expectComplete()
			.verify(Duration.ofSeconds(120));
		one.dispose();
	}

}
