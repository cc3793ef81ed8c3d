package dev.portalgateway;

import dev.portalgateway.system.Sha256;

import java.time.Duration;

import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The callers integration tests configure: {@code billing} may use sso and dsync with
 * return URLs on app.example.com and any subdomain of billing.example.com, for any
 * organization, with IT contacts at example.com; {@code auditor} only audit_logs, no
 * return URLs, no IT contacts, and only organization org_1 and those starting org_01A.
 */
public final class TestCallers {

	public static final String BILLING_TOKEN = "billing-secret-token-0001";

	public static final String AUDITOR_TOKEN = "auditor-secret-token-0002";

	public static final String API_KEY = "sk_test_integration0123456789";

	private TestCallers() {
	}

	/** A client for the gateway (or its management port) on this port. */
	public static WebTestClient client(int port) {
		return WebTestClient.bindToServer()
			.baseUrl("http://localhost:" + port)
			.responseTimeout(Duration.ofSeconds(15))
			.build();
	}

	/** A request for a link as the billing caller, with a valid body. */
	public static WebTestClient.ResponseSpec requestLink(WebTestClient client) {
		return requestLink(client, BILLING_TOKEN);
	}

	/** A request for an sso link with this bearer token, with a valid body. */
	public static WebTestClient.ResponseSpec requestLink(WebTestClient client, String token) {
		return client.post()
			.uri("/v1/portal-links")
			.headers((headers) -> headers.setBearerAuth(token))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"organization\":\"org_01H1234567890ABCDEFGHIJK\",\"intent\":\"sso\"}")
			.exchange();
	}

	/** The Prometheus scrape from the management port. */
	public static String scrape(int managementPort) {
		return client(managementPort).get()
			.uri("/actuator/prometheus")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
	}

	public static void register(DynamicPropertyRegistry registry) {
		registry.add("gateway.workos.api-key", () -> API_KEY);
		registry.add("gateway.callers[0].name", () -> "billing");
		registry.add("gateway.callers[0].token-sha256", () -> sha256(BILLING_TOKEN));
		registry.add("gateway.callers[0].intents", () -> "sso,dsync");
		registry.add("gateway.callers[0].return-url-hosts", () -> "app.example.com,*.billing.example.com");
		registry.add("gateway.callers[0].it-contact-emails", () -> "example.com");
		registry.add("gateway.callers[1].name", () -> "auditor");
		registry.add("gateway.callers[1].token-sha256", () -> sha256(AUDITOR_TOKEN));
		registry.add("gateway.callers[1].intents", () -> "audit_logs");
		registry.add("gateway.callers[1].organizations", () -> "org_1,org_01A*");
	}

	public static String sha256(String token) {
		return Sha256.hex(token);
	}

}
