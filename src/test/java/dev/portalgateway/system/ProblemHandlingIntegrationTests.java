package dev.portalgateway.system;

import dev.portalgateway.ConsoleLines;
import dev.portalgateway.TestCallers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The last line of defence: faults nobody planned for become an {@code internal_error}
 * problem with the cause in the log only, and problems stay JSON whatever the caller
 * accepts.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "gateway.workos.base-url=http://127.0.0.1:9" })
@ExtendWith(OutputCaptureExtension.class)
class ProblemHandlingIntegrationTests {

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestCallers.register(registry);
	}

	@LocalServerPort
	int port;

	WebTestClient client;

	@BeforeEach
	void setUp() {
		this.client = TestCallers.client(this.port);
	}

	@Test
	void turnsAnUnexpectedFaultIntoInternalErrorWithoutDetails(CapturedOutput output) {
		String body = this.client.get()
			.uri("/test/boom")
			.header("X-Request-Id", "boom-1")
			.exchange()
			.expectStatus()
			.isEqualTo(500)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(body).contains("\"code\":\"internal_error\"")
			.contains("\"request_id\":\"boom-1\"")
			.doesNotContain("kaboom")
			.doesNotContain("IllegalStateException");
		assertThat(ConsoleLines.flushed(output)).contains("Unexpected failure on request boom-1").contains("kaboom");
	}

	@Test
	void answersProblemsAsJsonWhateverTheCallerAccepts() {
		this.client.get()
			.uri("/nowhere")
			.accept(MediaType.TEXT_HTML)
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("not_found");
	}

	@Test
	void auditsRequestsThatFailAuthentication(CapturedOutput output) {
		this.client.post()
			.uri("/v1/portal-links")
			.header("X-Request-Id", "no-token-1")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{}")
			.exchange()
			.expectStatus()
			.isUnauthorized();
		assertThat(ConsoleLines.flushed(output))
			.containsPattern("portal_link caller=- organization=- intent=- outcome=unauthorized status=401 "
					+ "upstream_request_id=- latency_ms=\\d+ request_id=no-token-1");
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class FaultyRoute {

		@Bean
		RouterFunction<ServerResponse> faultyRoute() {
			return RouterFunctions.route().GET("/test/boom", (request) -> {
				throw new IllegalStateException("kaboom");
			}).build();
		}

	}

}
