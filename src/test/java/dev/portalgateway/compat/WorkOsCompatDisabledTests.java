package dev.portalgateway.compat;

import dev.portalgateway.TestCallers;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code gateway.compat.enabled=false}: WorkOS's paths are not served, and no route for
 * them exists (decided when the context starts, so the AOT-processed context the image
 * runs decides the same way).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = { "management.server.port=0",
		"gateway.compat.enabled=false", "gateway.workos.base-url=http://127.0.0.1:9" })
class WorkOsCompatDisabledTests {

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestCallers.register(registry);
	}

	@LocalServerPort
	int port;

	@Test
	void servesNoWorkOsPaths() {
		TestCallers.client(this.port)
			.post()
			.uri("/portal/generate_link")
			.headers((headers) -> headers.setBearerAuth(TestCallers.BILLING_TOKEN))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(WorkOsCompatWireTests.BODY)
			.exchange()
			.expectStatus()
			.isNotFound();
		TestCallers.client(this.port)
			.get()
			.uri("/portal/provider_icons")
			.headers((headers) -> headers.setBearerAuth(TestCallers.BILLING_TOKEN))
			.exchange()
			.expectStatus()
			.isNotFound();
	}

}
