package dev.portalgateway.deploy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.portalgateway.OwnNettyResources;
import dev.portalgateway.Poll;
import dev.portalgateway.PortalGatewayApplication;
import dev.portalgateway.TestCallers;
import dev.portalgateway.TestJwts;
import dev.portalgateway.TestRedis;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every metric and label the chart's alerts and dashboard query exists on a running
 * gateway's {@code /actuator/prometheus}, after a scenario that exercises them with the
 * Redis store and JWT callers on: a renamed metric or tag fails the build here, not on an
 * operator's dashboard. Labels Prometheus adds to each scrape ({@code namespace},
 * {@code job}, {@code pod}) and kube-state-metrics' series are not the gateway's.
 */
class MonitoringMetricsTests {

	@RegisterExtension
	static WireMockExtension workOs = WorkOsFixtures.workOs();

	private static final Set<String> TARGET_LABELS = Set.of("namespace", "job", "pod", "le");

	private static final Pattern SERIES = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})?\\s");

	private static final Pattern LABEL_VALUE = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"");

	/** Series the alerts select that the scenario does not produce: a failing JWKS. */
	private static final Set<String> NOT_IN_THE_SCENARIO = Set.of("gateway_auth_jwks_downloads_total{outcome=failure}");

	@Test
	void everyMetricAndLabelQueriedExists() {
		Set<String> values = new HashSet<>();
		Map<String, Set<String>> exposed = scrapeAfterAScenario(values);
		RenderedChart chart = Monitoring.render();
		List<String> expressions = new ArrayList<>();
		Monitoring.alerts(chart).forEach((alert) -> expressions.add((String) alert.get("expr")));
		Monitoring.dashboardQueries(Monitoring.dashboard(chart)).forEach((query) -> expressions.add(query));
		for (String expression : expressions) {
			Set<String> labelsHere = new HashSet<>(TARGET_LABELS);
			Monitoring.selectors(expression).forEach((metric, labels) -> {
				if (metric.startsWith("kube_")) {
					return;
				}
				assertThat(exposed).as("metric %s (in %s)", metric, expression).containsKey(metric);
				labelsHere.addAll(exposed.get(metric));
				for (String label : labels) {
					if (!TARGET_LABELS.contains(label)) {
						assertThat(exposed.get(metric)).as("label %s of %s (in %s)", label, metric, expression)
							.contains(label);
					}
				}
			});
			Monitoring.equalities(expression).forEach((metric, pairs) -> {
				for (String pair : pairs) {
					if (!metric.startsWith("kube_") && !TARGET_LABELS.contains(pair.substring(0, pair.indexOf('=')))
							&& !NOT_IN_THE_SCENARIO.contains(metric + "{" + pair + "}")) {
						assertThat(values).as("series %s{%s} (in %s)", metric, pair, expression)
							.contains(metric + "{" + pair + "}");
					}
				}
			});
			if (Monitoring.selectors(expression).keySet().stream().noneMatch((metric) -> metric.startsWith("kube_"))) {
				assertThat(labelsHere).as("labels grouped by in %s", expression)
					.containsAll(Monitoring.groupings(expression));
			}
		}
	}

	/**
	 * A gateway with the Redis store, a static and a JWT caller: links made (one after a
	 * WorkOS 503, so retried), one refused over the caller's cap and one over the budget,
	 * a bad token, the icons fetched and served. Then its metrics: name → label names.
	 */
	private Map<String, Set<String>> scrapeAfterAScenario(Set<String> values) {
		WorkOsFixtures.stubIcons(workOs);
		workOs.stubFor(post("/portal/generate_link").inScenario("flaky")
			.whenScenarioStateIs(Scenario.STARTED)
			.willReturn(aResponse().withStatus(503))
			.willSetStateTo("up"));
		workOs.stubFor(post("/portal/generate_link").inScenario("flaky")
			.whenScenarioStateIs("up")
			.willReturn(aResponse().withStatus(201)
				.withHeader("Content-Type", "application/json")
				.withBody(WorkOsFixtures.read("generate_link-201.json"))));
		workOs.stubFor(get("/openid/v1/jwks").willReturn(
				aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(TestJwts.jwks())));
		try (TestRedis redis = TestRedis.start();
				ConfigurableApplicationContext gateway = new SpringApplicationBuilder(PortalGatewayApplication.class,
						OwnNettyResources.class)
					.web(WebApplicationType.REACTIVE)
					.run("--server.port=0", "--management.server.port=0",
							"--gateway.workos.base-url=" + workOs.baseUrl(),
							"--gateway.workos.api-key=" + TestCallers.API_KEY, "--gateway.rate-limit.store=redis",
							"--spring.data.redis.url=" + redis.url(), "--gateway.rate-limit.portal-links.limit=3",
							"--gateway.callers[0].name=billing",
							"--gateway.callers[0].token-sha256=" + TestCallers.sha256(TestCallers.BILLING_TOKEN),
							"--gateway.callers[0].intents=sso", "--gateway.callers[0].max-links=2",
							"--gateway.callers[1].name=billing-jwt",
							"--gateway.callers[1].subject=" + TestJwts.BILLING_SUBJECT,
							"--gateway.callers[1].intents=sso", "--gateway.auth.jwt.issuer=" + TestJwts.ISSUER,
							"--gateway.auth.jwt.jwks-uri=" + workOs.baseUrl() + "/openid/v1/jwks",
							"--gateway.retry.first-backoff=10ms")) {
			// A 10 ms backoff: the scenario's retry needs no half-second wait; the
			// metric is the same at the default.
			WebTestClient client = TestCallers
				.client(Integer.parseInt(gateway.getEnvironment().getProperty("local.server.port")));
			String jwt = TestJwts.sign(TestJwts.RSA);
			for (String token : List.of(TestCallers.BILLING_TOKEN, TestCallers.BILLING_TOKEN, TestCallers.BILLING_TOKEN,
					jwt, jwt, jwt, "no-such-token")) {
				client.post()
					.uri("/v1/portal-links")
					.headers((headers) -> headers.setBearerAuth(token))
					.contentType(MediaType.APPLICATION_JSON)
					.bodyValue("{\"organization\":\"org_01H1234567890ABCDEFGHIJK\",\"intent\":\"sso\"}")
					.exchange()
					.expectBody()
					.returnResult();
			}
			for (int i = 0; i < 2; i++) {
				// The first fetches the list (a miss), the second is a hit.
				TestCallers.requestIcons(client).expectStatus().isOk();
			}
			// GC pauses are recorded from the JVM's notifications, once one has happened:
			// ask for one, so the GC panel's metric is there on any machine.
			int management = Integer.parseInt(gateway.getEnvironment().getProperty("local.management.port"));
			System.gc();
			Poll.until(java.time.Duration.ofSeconds(10),
					() -> TestCallers.scrape(management).contains("jvm_gc_pause_seconds_sum"),
					() -> "no GC pause recorded");
			return parse(TestCallers.scrape(management), values);
		}
	}

	/**
	 * The scrape's metrics, name → label names; {@code values} gets each
	 * {@code name{label=value}} seen.
	 */
	private static Map<String, Set<String>> parse(String scrape, Set<String> values) {
		Map<String, Set<String>> metrics = new HashMap<>();
		for (String line : scrape.split("\n")) {
			Matcher series = SERIES.matcher(line);
			if (line.startsWith("#") || !series.find()) {
				continue;
			}
			Set<String> labels = metrics.computeIfAbsent(series.group(1), (name) -> new HashSet<>());
			if (series.group(3) != null) {
				Matcher label = LABEL_VALUE.matcher(series.group(3));
				while (label.find()) {
					labels.add(label.group(1));
					values.add(series.group(1) + "{" + label.group(1) + "=" + label.group(2) + "}");
				}
			}
		}
		return metrics;
	}

}
