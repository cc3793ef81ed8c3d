package dev.portalgateway.system;

import dev.portalgateway.TestCallers;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Actuator: on the management port only, just health (with probes), info, prometheus and
 * metrics, and never the WorkOS key.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "gateway.workos.base-url=http://127.0.0.1:9" })
class ActuatorIntegrationTests {

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestCallers.register(registry);
	}

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@ParameterizedTest
	@ValueSource(strings = { "/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness",
			"/actuator/info", "/actuator/prometheus", "/actuator/metrics", "/actuator/quotas" })
	void exposesOnlyTheOperatorEndpoints(String path) {
		management().get().uri(path).exchange().expectStatus().isOk();
	}

	@ParameterizedTest
	@ValueSource(strings = { "/actuator/env", "/actuator/configprops", "/actuator/beans", "/actuator/heapdump",
			"/actuator/threaddump", "/actuator/loggers", "/actuator/mappings", "/actuator/shutdown" })
	void hidesEverythingElse(String path) {
		management().get().uri(path).exchange().expectStatus().isNotFound();
	}

	@Test
	void probesStayUpWhileWorkOsIsUnreachable() {
		// WorkOS is configured at a closed port: callers get 503, the pod stays in
		// service.
		TestCallers.requestLink(TestCallers.client(this.port)).expectStatus().isEqualTo(503);
		for (String probe : new String[] { "/actuator/health/liveness", "/actuator/health/readiness" }) {
			management().get()
				.uri(probe)
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.status")
				.isEqualTo("UP");
		}
	}

	/**
	 * The callers' port serves its routes and nothing else: not actuator, not Boot's
	 * static resources (a file under {@code static/} on the test class path), both of
	 * which a {@code DispatcherHandler} there would offer ({@link CallersPort}).
	 */
	@ParameterizedTest
	@ValueSource(strings = { "/actuator/health", "/actuator/quotas", "/probe.txt" })
	void servesOnlyTheRoutesOnTheCallersPort(String path) {
		WebTestClient.bindToServer()
			.baseUrl("http://localhost:" + this.port)
			.build()
			.get()
			.uri(path)
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
	void showsOnlyHarmlessHealthDetails() {
		// Components and their details are shown (the Redis store's topology and state,
		// when it is on), but only these details: no address, path or secret. A new
		// indicator with other details fails here until someone looks at what it shows.
		String body = management().get()
			.uri("/actuator/health")
			.exchange()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		JsonNode components = JsonMapper.builder().build().readTree(body).get("components");
		java.util.Set<String> details = new java.util.TreeSet<>();
		components.properties().forEach((component) -> {
			JsonNode detail = component.getValue().get("details");
			if (detail != null) {
				detail.propertyNames().forEach((name) -> details.add(component.getKey() + "." + name));
			}
		});
		assertThat(components.propertyNames()).containsExactlyInAnyOrder("livenessState", "ping", "readinessState",
				"ssl");
		assertThat(details).isSubsetOf("ssl.expiringChains", "ssl.invalidChains", "ssl.validChains",
				"rateLimitStore.topology", "rateLimitStore.replicas");
		assertThat(body).doesNotContain("diskSpace").doesNotContain("127.0.0.1").doesNotContain(TestCallers.API_KEY);
	}

	@Test
	void neverShowsTheKeyOrTokenHashesInMetricsOrInfo() {
		for (String path : new String[] { "/actuator/prometheus", "/actuator/info", "/actuator/metrics",
				"/actuator/quotas" }) {
			String body = management().get()
				.uri(path)
				.exchange()
				.expectBody(String.class)
				.returnResult()
				.getResponseBody();
			assertThat(body).as(path)
				.doesNotContain(TestCallers.API_KEY)
				.doesNotContain(TestCallers.sha256(TestCallers.BILLING_TOKEN));
		}
	}

	private WebTestClient management() {
		return TestCallers.client(this.managementPort);
	}

}
