package dev.portalgateway.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.kubernetes.client.openapi.models.V1ConfigMap;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The chart's alerts and dashboard as rendered with both switched on, their PromQL, and
 * Debian's {@code promtool} (package {@code prometheus}) to check them.
 */
final class Monitoring {

	/** The rendered release's labels, as Prometheus sees the scraped gateway. */
	static final String NAMESPACE = "identity";

	static final String JOB = "gw-portal-gateway";

	private Monitoring() {
	}

	static RenderedChart render() {
		return RenderedChart.render("default-values.yaml",
				(command) -> command.set("prometheusRule.enabled", "true").set("grafana.dashboards.enabled", "true"));
	}

	/** The PrometheusRule's spec ({@code groups}), as a rules file holds it. */
	@SuppressWarnings("unchecked")
	static Map<String, Object> ruleSpec(RenderedChart chart) {
		return chart.customResources.stream()
			.filter((resource) -> "PrometheusRule".equals(resource.get("kind")))
			.map((resource) -> (Map<String, Object>) resource.get("spec"))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no PrometheusRule rendered"));
	}

	@SuppressWarnings("unchecked")
	static List<Map<String, Object>> alerts(RenderedChart chart) {
		List<Map<String, Object>> alerts = new ArrayList<>();
		for (Map<String, Object> group : (List<Map<String, Object>>) ruleSpec(chart).get("groups")) {
			alerts.addAll((List<Map<String, Object>>) group.get("rules"));
		}
		return alerts;
	}

	static JsonNode dashboard(RenderedChart chart) {
		V1ConfigMap map = chart.all(V1ConfigMap.class)
			.stream()
			.filter((candidate) -> candidate.getMetadata().getName().endsWith("-dashboard"))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no dashboard ConfigMap rendered"));
		return JsonMapper.builder().build().readTree(map.getData().get("portal-gateway.json"));
	}

	/** Every query of the dashboard's panels. */
	static List<String> dashboardQueries(JsonNode dashboard) {
		List<String> queries = new ArrayList<>();
		for (JsonNode panel : dashboard.get("panels")) {
			JsonNode targets = panel.get("targets");
			if (targets != null) {
				targets.forEach((target) -> queries.add(target.get("expr").asString()));
			}
		}
		return queries;
	}

	/**
	 * A dashboard query as plain PromQL: Grafana's variables replaced by what they stand
	 * for at most (every namespace, release and pod; a 5 m rate window).
	 */
	static String asPromQl(String query) {
		return query.replace("$__rate_interval", "5m")
			.replace("$namespace", ".*")
			.replace("$job", ".*")
			.replace("$pod", ".*");
	}

	private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)\\}");

	private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)");

	private static final Pattern GROUPING = Pattern.compile("\\bby \\(([^)]*)\\)");

	/** The metric names an expression selects, each with the labels it matches on. */
	static Map<String, List<String>> selectors(String expression) {
		Map<String, List<String>> selected = new java.util.LinkedHashMap<>();
		Matcher selector = SELECTOR.matcher(expression);
		while (selector.find()) {
			List<String> labels = selected.computeIfAbsent(selector.group(1), (name) -> new ArrayList<>());
			Matcher matcher = MATCHER.matcher(selector.group(2));
			while (matcher.find()) {
				labels.add(matcher.group(1));
			}
		}
		return selected;
	}

	private static final Pattern EQUALITY = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"");

	/** The {@code label="value"} matchers of an expression, per metric. */
	static Map<String, List<String>> equalities(String expression) {
		Map<String, List<String>> selected = new java.util.LinkedHashMap<>();
		Matcher selector = SELECTOR.matcher(expression);
		while (selector.find()) {
			List<String> pairs = selected.computeIfAbsent(selector.group(1), (name) -> new ArrayList<>());
			Matcher matcher = EQUALITY.matcher(selector.group(2));
			while (matcher.find()) {
				pairs.add(matcher.group(1) + "=" + matcher.group(2));
			}
		}
		return selected;
	}

	/** The labels an expression groups by. */
	static List<String> groupings(String expression) {
		List<String> labels = new ArrayList<>();
		Matcher grouping = GROUPING.matcher(expression);
		while (grouping.find()) {
			for (String label : grouping.group(1).split(",")) {
				labels.add(label.strip());
			}
		}
		return labels;
	}

	/**
	 * {@code promtool}, or null when the Debian package {@code prometheus} is missing.
	 */
	static @Nullable Path promtool() {
		return dev.portalgateway.Machine.onPath("promtool").orElse(null);
	}

	static final String NO_PROMTOOL = "promtool not found: install the Debian package 'prometheus' (.ci/run does)";

	/** Writes YAML (a rules file, a rule test file). */
	static Path writeYaml(Path file, Object content) {
		DumperOptions options = new DumperOptions();
		options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
		try {
			Files.writeString(file, new Yaml(options).dump(content));
			return file;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Runs promtool with these arguments in {@code directory}: its exit code and output.
	 */
	static Result promtool(Path directory, String... args) {
		List<String> command = new ArrayList<>();
		command.add(String.valueOf(promtool()));
		command.addAll(List.of(args));
		try {
			Process process = new ProcessBuilder(command).directory(directory.toFile())
				.redirectErrorStream(true)
				.start();
			String output = new String(process.getInputStream().readAllBytes());
			if (!process.waitFor(60, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException("promtool did not finish: " + output);
			}
			return new Result(process.exitValue(), output);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	record Result(int exitCode, String output) {
	}

}
