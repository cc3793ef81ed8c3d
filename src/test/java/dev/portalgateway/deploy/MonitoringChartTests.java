package dev.portalgateway.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.kubernetes.client.openapi.models.V1ConfigMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart's PrometheusRule and Grafana dashboard: what they hold, that Prometheus's own
 * {@code promtool} accepts every rule and every dashboard query, and {@code promtool test
 * rules} unit tests of each alert (input series in, alerts out, {@code for} included;
 * {@code src/test/resources/monitoring/alerts-test.yaml}). The promtool tests are
 * skipped, saying so, where the Debian package {@code prometheus} is missing.
 */
class MonitoringChartTests {

	@TempDir
	Path work;

	@Test
	void rendersAlertsWithRunbooksAndADashboardWithQueries() throws IOException {
		RenderedChart chart = Monitoring.render();
		List<Map<String, Object>> alerts = Monitoring.alerts(chart);
		assertThat(alerts).hasSizeGreaterThanOrEqualTo(8);
		String readme = Files.readString(Path.of("README.md"));
		for (Map<String, Object> alert : alerts) {
			@SuppressWarnings("unchecked")
			Map<String, Object> labels = (Map<String, Object>) alert.get("labels");
			@SuppressWarnings("unchecked")
			Map<String, Object> annotations = (Map<String, Object>) alert.get("annotations");
			String name = (String) alert.get("alert");
			assertThat(labels).as(name).containsKey("severity");
			assertThat(annotations).as(name).containsKeys("summary", "description", "runbook_url");
			String anchor = ((String) annotations.get("runbook_url")).replaceAll(".*#", "");
			assertThat(anchor).as(name).isEqualTo(name.toLowerCase(java.util.Locale.ROOT));
			assertThat(readme).as("a README runbook for %s", name).contains("#### " + name + "\n");
		}
		assertThat(chart.customResources).filteredOn((resource) -> "PrometheusRule".equals(resource.get("kind")))
			.singleElement()
			.satisfies((rule) -> assertThat(rule.get("apiVersion")).isEqualTo("monitoring.coreos.com/v1"));

		V1ConfigMap map = chart.all(V1ConfigMap.class)
			.stream()
			.filter((candidate) -> candidate.getMetadata().getName().endsWith("-dashboard"))
			.findFirst()
			.orElseThrow();
		assertThat(map.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
		JsonNode dashboard = Monitoring.dashboard(chart);
		List<String> variables = new ArrayList<>();
		dashboard.get("templating").get("list").forEach((variable) -> variables.add(variable.get("name").asString()));
		assertThat(variables).contains("datasource", "namespace", "pod");
		int panelsWithQueries = 0;
		for (JsonNode panel : dashboard.get("panels")) {
			if (panel.get("targets") != null && !panel.get("targets").isEmpty()) {
				panelsWithQueries++;
				assertThat(panel.get("datasource").get("uid").asString()).isEqualTo("${datasource}");
				panel.get("targets")
					.forEach((target) -> assertThat(target.get("datasource").get("uid").asString())
						.isEqualTo("${datasource}"));
			}
		}
		assertThat(panelsWithQueries).isGreaterThanOrEqualTo(10);
		// No hard-coded datasource: every uid in the JSON is the variable.
		assertThat(
				dashboard.toString().replace("\"uid\":\"${datasource}\"", "").replace("\"uid\":\"portal-gateway\"", ""))
			.doesNotContain("\"uid\"");
	}

	@Test
	void offByDefault() {
		RenderedChart chart = RenderedChart.render("default-values.yaml");
		assertThat(chart.manifest).doesNotContain("PrometheusRule").doesNotContain("grafana_dashboard");
	}

	@Test
	void promtoolAcceptsTheRulesAndEveryDashboardQuery() {
		Assumptions.assumeTrue(Monitoring.promtool() != null, Monitoring.NO_PROMTOOL);
		RenderedChart chart = Monitoring.render();
		Path rules = Monitoring.writeYaml(this.work.resolve("rules.yaml"), Monitoring.ruleSpec(chart));
		Monitoring.Result checked = Monitoring.promtool(this.work, "check", "rules", rules.toString());
		assertThat(checked.exitCode()).as(checked.output()).isZero();
		assertThat(checked.output()).contains("SUCCESS");
		// Each dashboard query as a recording rule: promtool parses it as Prometheus
		// would.
		List<Map<String, Object>> recordings = new ArrayList<>();
		List<String> queries = Monitoring.dashboardQueries(Monitoring.dashboard(chart));
		for (int i = 0; i < queries.size(); i++) {
			Map<String, Object> rule = new LinkedHashMap<>();
			rule.put("record", "dashboard:query_" + i);
			rule.put("expr", Monitoring.asPromQl(queries.get(i)));
			recordings.add(rule);
		}
		Path dashboardRules = Monitoring.writeYaml(this.work.resolve("dashboard.yaml"),
				Map.of("groups", List.of(Map.of("name", "dashboard", "rules", recordings))));
		Monitoring.Result parsed = Monitoring.promtool(this.work, "check", "rules", dashboardRules.toString());
		assertThat(parsed.exitCode()).as(parsed.output()).isZero();
		assertThat(parsed.output()).contains(queries.size() + " rules found");
	}

	@Test
	void eachAlertFiresOnItsSeriesAfterItsFor() throws IOException {
		Assumptions.assumeTrue(Monitoring.promtool() != null, Monitoring.NO_PROMTOOL);
		RenderedChart chart = Monitoring.render();
		// promtool compares annotations too; they are templates checked by "check rules",
		// so the unit tests run the rules without them.
		for (Map<String, Object> alert : Monitoring.alerts(chart)) {
			alert.remove("annotations");
		}
		Monitoring.writeYaml(this.work.resolve("rules.yaml"), Monitoring.ruleSpec(chart));
		try (var tests = MonitoringChartTests.class.getResourceAsStream("/monitoring/alerts-test.yaml")) {
			Files.write(this.work.resolve("alerts-test.yaml"), tests.readAllBytes());
		}
		String unitTests = Files.readString(this.work.resolve("alerts-test.yaml"));
		for (Map<String, Object> alert : Monitoring.alerts(chart)) {
			assertThat(unitTests).as("a promtool unit test of %s", alert.get("alert"))
				.contains("alertname: " + alert.get("alert"));
		}
		Monitoring.Result tested = Monitoring.promtool(this.work, "test", "rules", "alerts-test.yaml");
		assertThat(tested.exitCode()).as(tested.output()).isZero();
		assertThat(tested.output()).contains("SUCCESS");
	}

}
