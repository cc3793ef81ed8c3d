package dev.portalgateway.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.portalgateway.Machine;
import dev.portalgateway.OwnNettyResources;
import dev.portalgateway.Poll;
import dev.portalgateway.PortalGatewayApplication;
import dev.portalgateway.TestCallers;
import dev.portalgateway.TestRedis;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart's alerts in a real Prometheus (Debian's {@code prometheus}, skipped with a
 * message where the package is missing): it scrapes a running gateway every second, with
 * the rendered rules loaded and their {@code for} shortened to 5 s (the promtool unit
 * tests check the real ones). WorkOS is driven into a 429 storm and Redis into an outage,
 * and the matching alerts must reach {@code firing} through Prometheus's HTTP API.
 */
class PrometheusAlertsIntegrationTests {

	@RegisterExtension
	static WireMockExtension workOs = WorkOsFixtures.workOs();

	@TempDir
	Path work;

	@Test
	void aStormAndAnOutageFireTheirAlerts() throws IOException {
		Path prometheus = Machine.onPath("prometheus").orElse(null);
		Assumptions.assumeTrue(prometheus != null,
				"prometheus not found: install the Debian package 'prometheus' (.ci/run does)");
		// WorkOS asks for a 60 s pause on every link call: a 429 storm.
		workOs.stubFor(
				post("/portal/generate_link").willReturn(aResponse().withStatus(429).withHeader("Retry-After", "60")));
		RenderedChart chart = RenderedChart.render("default-values.yaml",
				(command) -> command.set("prometheusRule.enabled", "true")
					.set("prometheusRule.alerts.keyCoolingDown.for", "5s")
					.set("prometheusRule.alerts.redisDegraded.for", "5s"));
		Monitoring.writeYaml(this.work.resolve("rules.yaml"), Monitoring.ruleSpec(chart));
		TestRedis redis = TestRedis.start();
		boolean redisStopped = false;
		try (ConfigurableApplicationContext gateway = new SpringApplicationBuilder(PortalGatewayApplication.class,
				OwnNettyResources.class)
			.web(WebApplicationType.REACTIVE)
			.run("--server.port=0", "--management.server.port=0", "--gateway.workos.base-url=" + workOs.baseUrl(),
					"--gateway.workos.api-key=" + TestCallers.API_KEY, "--gateway.rate-limit.store=redis",
					"--spring.data.redis.url=" + redis.url(), "--gateway.callers[0].name=billing",
					"--gateway.callers[0].token-sha256=" + TestCallers.sha256(TestCallers.BILLING_TOKEN),
					"--gateway.callers[0].intents=sso")) {
			String management = gateway.getEnvironment().getProperty("local.management.port");
			int port = Machine.freePort();
			Files.writeString(this.work.resolve("prometheus.yml"), """
					global:
					  scrape_interval: 1s
					  evaluation_interval: 1s
					rule_files: [rules.yaml]
					scrape_configs:
					  - job_name: %s
					    metrics_path: /actuator/prometheus
					    static_configs:
					      - targets: ['127.0.0.1:%s']
					        labels: {namespace: %s, pod: gw-portal-gateway-0}
					""".formatted(Monitoring.JOB, management, Monitoring.NAMESPACE));
			Process server = new ProcessBuilder(prometheus.toString(), "--config.file=prometheus.yml",
					"--storage.tsdb.path=data", "--web.listen-address=127.0.0.1:" + port)
				.directory(this.work.toFile())
				.redirectErrorStream(true)
				.redirectOutput(this.work.resolve("prometheus.log").toFile())
				.start();
			try {
				WebTestClient client = TestCallers
					.client(Integer.parseInt(gateway.getEnvironment().getProperty("local.server.port")));
				client.post()
					.uri("/v1/portal-links")
					.headers((headers) -> headers.setBearerAuth(TestCallers.BILLING_TOKEN))
					.contentType(MediaType.APPLICATION_JSON)
					.bodyValue("{\"organization\":\"org_01H1234567890ABCDEFGHIJK\",\"intent\":\"sso\"}")
					.exchange()
					.expectStatus()
					.isEqualTo(429);
				redis.stop();
				redisStopped = true;
				WebTestClient api = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build();
				Set<String> firing = new TreeSet<>();
				Poll.until(Duration.ofSeconds(60), () -> {
					firing.clear();
					firing.addAll(firing(api));
					return firing
						.containsAll(List.of("PortalGatewayWorkOSKeyCoolingDown", "PortalGatewayRedisStoreDegraded"));
				}, () -> "Alerts firing: " + firing + "\n" + log());
				assertThat(firing).doesNotContain("PortalGatewayServerErrors", "PortalGatewayWorkOSRejectsKey");
			}
			finally {
				server.destroy();
				server.waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		finally {
			if (!redisStopped) {
				redis.stop();
			}
		}
	}

	/** The names of the alerts Prometheus has firing now (none while it starts). */
	private static Set<String> firing(WebTestClient api) {
		Set<String> names = new TreeSet<>();
		try {
			String body = api.get()
				.uri("/api/v1/alerts")
				.exchange()
				.expectBody(String.class)
				.returnResult()
				.getResponseBody();
			JsonNode alerts = JsonMapper.builder().build().readTree(body).get("data").get("alerts");
			for (JsonNode alert : alerts) {
				if ("firing".equals(alert.get("state").asString())) {
					names.add(alert.get("labels").get("alertname").asString());
				}
			}
		}
		catch (RuntimeException | AssertionError notYet) {
			// Prometheus is still starting.
		}
		return names;
	}

	private String log() {
		try {
			return Files.readString(this.work.resolve("prometheus.log"));
		}
		catch (IOException ex) {
			return "(no log)";
		}
	}

}
