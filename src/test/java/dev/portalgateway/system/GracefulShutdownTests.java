package dev.portalgateway.system;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.portalgateway.OwnNettyResources;
import dev.portalgateway.PortalGatewayApplication;
import dev.portalgateway.TestCallers;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * On shutdown (a pod being stopped) readiness turns to refusing traffic first, and a
 * request already waiting on a slow WorkOS still gets its link before the gateway stops.
 * WorkOS takes 4 s here, longer than Reactor Netty's 3 s wait on an immediate stop: with
 * {@code server.shutdown=immediate} this test fails.
 */
class GracefulShutdownTests {

	@RegisterExtension
	static WireMockExtension workOs = WorkOsFixtures.workOs();

	@Test
	void finishesInFlightRequestsAndRefusesTrafficFirst() throws Exception {
		workOs.stubFor(post("/portal/generate_link").willReturn(aResponse().withStatus(201)
			.withHeader("Content-Type", "application/json")
			.withBody(WorkOsFixtures.read("generate_link-201.json"))
			.withFixedDelay(4000)));
		ConfigurableApplicationContext context = new SpringApplicationBuilder(PortalGatewayApplication.class,
				OwnNettyResources.class)
			.web(WebApplicationType.REACTIVE)
			.run("--server.port=0", "--management.server.port=0", "--gateway.workos.base-url=" + workOs.baseUrl(),
					"--gateway.workos.api-key=" + TestCallers.API_KEY, "--gateway.callers[0].name=billing",
					"--gateway.callers[0].token-sha256=" + TestCallers.sha256(TestCallers.BILLING_TOKEN),
					"--gateway.callers[0].intents=sso");
		List<ReadinessState> readiness = new CopyOnWriteArrayList<>();
		context.addApplicationListener((ApplicationListener<AvailabilityChangeEvent<?>>) (event) -> {
			if (event.getState() instanceof ReadinessState state) {
				readiness.add(state);
			}
		});
		String port = context.getEnvironment().getProperty("local.server.port");
		CompletableFuture<ResponseEntity<String>> inFlight = WebClient.create("http://localhost:" + port)
			.post()
			.uri("/v1/portal-links")
			.headers((headers) -> headers.setBearerAuth(TestCallers.BILLING_TOKEN))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"organization\":\"org_1\",\"intent\":\"sso\"}")
			.retrieve()
			.toEntity(String.class)
			.toFuture();
		StepVerifier
			.create(Flux.interval(Duration.ofMillis(10))
				.filter((tick) -> !WorkOsFixtures.linkRequests(workOs).isEmpty())
				.next())
			.expectNextCount(1)
			.expectComplete()
			.verify(Duration.ofSeconds(10));
		CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
		ResponseEntity<String> answer = inFlight.get(10, TimeUnit.SECONDS);
		assertThat(answer.getStatusCode().value()).isEqualTo(201);
		assertThat(answer.getBody()).contains(WorkOsFixtures.RECORDED_LINK);
		closing.get(30, TimeUnit.SECONDS);
		assertThat(readiness).startsWith(ReadinessState.REFUSING_TRAFFIC);
		assertThat(context.isActive()).isFalse();
	}

}
