package dev.portalgateway.workos;

import java.io.IOException;
import java.net.ServerSocket;

import dev.portalgateway.TestCallers;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With nothing listening where WorkOS should be, callers get
 * {@code 503 upstream_unavailable} and the gateway stays healthy.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "management.server.port=0")
class UnreachableWorkOsIntegrationTests {

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) throws IOException {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0)) {
			closedPort = socket.getLocalPort();
		}
		int port = closedPort;
		registry.add("gateway.workos.base-url", () -> "http://127.0.0.1:" + port);
		TestCallers.register(registry);
	}

	@LocalServerPort
	int port;

	@Test
	void answersUpstreamUnavailable() {
		TestCallers.client(this.port)
			.post()
			.uri("/v1/portal-links")
			.headers((headers) -> headers.setBearerAuth(TestCallers.BILLING_TOKEN))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"organization\":\"org_1\",\"intent\":\"sso\"}")
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("upstream_unavailable");
	}

}
