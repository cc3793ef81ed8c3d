package dev.portalgateway;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.portalgateway.system.Sha256;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

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

	/**
	 * A plain {@link WebClient} for sending load to the gateway on this port, over its
	 * own connection pool (the test's, closed by the test).
	 */
	public static WebClient webClient(int port, ConnectionProvider connections) {
		return WebClient.builder()
			.baseUrl("http://localhost:" + port)
			.clientConnector(new ReactorClientHttpConnector(HttpClient.create(connections)))
			.build();
	}

	/** A request for the icon list as the billing caller. */
	public static WebTestClient.ResponseSpec requestIcons(WebTestClient client) {
		return client.get()
			.uri("/v1/provider-icons")
			.headers((headers) -> headers.setBearerAuth(BILLING_TOKEN))
			.exchange();
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

	/** The callers and API key as properties (see the class comment). */
	public static Map<String, Object> properties() {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("gateway.workos.api-key", API_KEY);
		properties.put("gateway.callers[0].name", "billing");
		properties.put("gateway.callers[0].token-sha256", sha256(BILLING_TOKEN));
		properties.put("gateway.callers[0].intents", "sso,dsync");
		properties.put("gateway.callers[0].return-url-hosts", "app.example.com,*.billing.example.com");
		properties.put("gateway.callers[0].it-contact-emails", "example.com");
		properties.put("gateway.callers[1].name", "auditor");
		properties.put("gateway.callers[1].token-sha256", sha256(AUDITOR_TOKEN));
		properties.put("gateway.callers[1].intents", "audit_logs");
		properties.put("gateway.callers[1].organizations", "org_1,org_01A*");
		return properties;
	}

	public static void register(DynamicPropertyRegistry registry) {
		properties().forEach((name, value) -> registry.add(name, () -> value));
	}

	public static String sha256(String token) {
		return Sha256.hex(token);
	}

}
