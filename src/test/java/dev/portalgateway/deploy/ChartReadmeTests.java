package dev.portalgateway.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart's README lists every value that has a {@code # --} description in
 * {@code values.yaml}, with its type, default and description, as helm-docs would; this
 * test generates the table and fails when the README differs. To update the README after
 * changing values.yaml, run it with {@code -Dchart.readme.write=true}.
 */
class ChartReadmeTests {

	private static final Path VALUES = RenderedChart.CHART.resolve("values.yaml");

	private static final Path README = RenderedChart.CHART.resolve("README.md");

	private static final Pattern DESCRIPTION = Pattern.compile("^(\\s*)# -- (.*)$");

	private static final Pattern CONTINUED = Pattern.compile("^\\s*# (.*)$");

	private static final Pattern KEY = Pattern.compile("^(\\s*)([A-Za-z0-9_.-]+):(.*)$");

	@Test
	void theChartReadmeMatchesValues() throws IOException {
		String expected = readme();
		if (Boolean.getBoolean("chart.readme.write")) {
			Files.writeString(README, expected);
		}
		assertThat(README).as("helm/portal-gateway/README.md; regenerate with -Dchart.readme.write=true").exists();
		assertThat(Files.readString(README)).isEqualTo(expected);
	}

	@Test
	void everyValueHasADescription() throws IOException {
		// Each leaf of values.yaml, or a block it belongs to, is described.
		List<Row> rows = rows();
		Map<String, Object> values = new Yaml(new LoaderOptions()).load(Files.readString(VALUES));
		List<String> undocumented = new ArrayList<>();
		collectLeaves("", values, rows, undocumented);
		assertThat(undocumented).as("values without a '# --' description (on them or a block above)").isEmpty();
	}

	@SuppressWarnings("unchecked")
	private static void collectLeaves(String prefix, Map<String, Object> map, List<Row> rows,
			List<String> undocumented) {
		for (Map.Entry<String, Object> entry : map.entrySet()) {
			String path = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
			boolean described = rows.stream()
				.anyMatch((row) -> path.equals(row.key()) || path.startsWith(row.key() + "."));
			if (described) {
				continue;
			}
			if (entry.getValue() instanceof Map<?, ?> nested && !nested.isEmpty()) {
				collectLeaves(path, (Map<String, Object>) nested, rows, undocumented);
			}
			else {
				undocumented.add(path);
			}
		}
	}

	static String readme() throws IOException {
		StringBuilder out = new StringBuilder();
		out.append("# portal-gateway Helm chart\n\n")
			.append("Deploys portal-gateway, the internal gateway in front of the WorkOS Admin Portal API. How to\n")
			.append("install, operate and monitor it: the project README, \"Deploy on Kubernetes\" and \"Alerts,\n")
			.append("dashboard and runbooks\".\n\n")
			.append("This file is generated from the `# --` comments in `values.yaml` (`ChartReadmeTests`; regenerate\n")
			.append("with `./mvnw -q test -Dtest=ChartReadmeTests -Dchart.readme.write=true`).\n\n")
			.append("## Values\n\n")
			.append("| Key | Type | Default | Description |\n")
			.append("|-----|------|---------|-------------|\n");
		Map<String, Object> values = new Yaml(new LoaderOptions()).load(Files.readString(VALUES));
		JsonMapper json = JsonMapper.builder().build();
		for (Row row : rows()) {
			Object value = at(values, row.key());
			out.append("| `")
				.append(row.key())
				.append("` | ")
				.append(type(value))
				.append(" | `")
				.append(json.writeValueAsString(value).replace("|", "\\|"))
				.append("` | ")
				.append(row.description().replace("|", "\\|"))
				.append(" |\n");
		}
		return out.toString();
	}

	/** The described keys of values.yaml, in file order. */
	static List<Row> rows() throws IOException {
		List<Row> rows = new ArrayList<>();
		Deque<String[]> path = new ArrayDeque<>();
		StringBuilder pending = null;
		for (String line : Files.readAllLines(VALUES)) {
			Matcher description = DESCRIPTION.matcher(line);
			Matcher continued = CONTINUED.matcher(line);
			Matcher key = KEY.matcher(line);
			if (description.matches()) {
				pending = new StringBuilder(description.group(2).strip());
			}
			else if (pending != null && continued.matches()) {
				pending.append(' ').append(continued.group(1).strip());
			}
			else if (key.matches() && !line.strip().startsWith("-")) {
				int indent = key.group(1).length();
				while (!path.isEmpty() && Integer.parseInt(path.peekLast()[0]) >= indent) {
					path.removeLast();
				}
				path.addLast(new String[] { Integer.toString(indent), key.group(2) });
				if (pending != null) {
					List<String> keys = new ArrayList<>();
					path.forEach((part) -> keys.add(part[1]));
					rows.add(new Row(String.join(".", keys), pending.toString()));
					pending = null;
				}
			}
			else if (!line.strip().startsWith("#")) {
				pending = null;
			}
		}
		return rows;
	}

	@SuppressWarnings("unchecked")
	private static Object at(Map<String, Object> values, String key) {
		Object node = values;
		for (String part : key.split("\\.")) {
			node = ((Map<String, Object>) node).get(part);
		}
		return node;
	}

	private static String type(Object value) {
		if (value == null) {
			return "string";
		}
		if (value instanceof Map<?, ?>) {
			return "object";
		}
		if (value instanceof List<?>) {
			return "list";
		}
		if (value instanceof Boolean) {
			return "bool";
		}
		if (value instanceof Number) {
			return (value instanceof Integer || value instanceof Long) ? "int" : "float";
		}
		return "string";
	}

	record Row(String key, String description) {
	}

}
