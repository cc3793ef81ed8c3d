package dev.portalgateway.system;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.portalgateway.caller.CallerProperties;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration processor's metadata (what IDEs complete and document) and the
 * README's configuration table name the same {@code gateway.*} properties, both ways;
 * each property has a description, and where both state a default they agree. A caller's
 * fields ({@code gateway.callers[i].*}, a list the processor does not expand) are
 * compared with the policy record instead.
 */
class ConfigurationMetadataTests {

	private static final Pattern ROW = Pattern.compile("^\\| (`gateway\\.[^|]*) \\| ([^|]*) \\|", Pattern.MULTILINE);

	@Test
	void theReadmeAndTheMetadataNameTheSameProperties() throws IOException {
		Map<String, JsonNode> metadata = metadata();
		Map<String, String> readme = readmeRows();
		Set<String> documented = new TreeSet<>();
		Set<String> callerFields = new TreeSet<>();
		readme.keySet().forEach((name) -> {
			if (name.startsWith("gateway.callers[i].")) {
				callerFields.add(name.substring("gateway.callers[i].".length()));
			}
			else {
				documented.add(name);
			}
		});
		Set<String> known = new TreeSet<>(metadata.keySet());
		known.remove("gateway.callers");
		assertThat(documented).as("README rows without metadata").isSubsetOf(known);
		assertThat(known).as("metadata without a README row").isSubsetOf(documented);
		Set<String> policy = new TreeSet<>();
		for (var component : CallerProperties.Policy.class.getRecordComponents()) {
			policy.add(component.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT));
		}
		assertThat(callerFields).as("gateway.callers[i] rows").isEqualTo(policy);
		metadata.forEach(
				(name, property) -> assertThat(property.path("description").asString("")).as("description of %s", name)
					.isNotBlank());
		readme.forEach((name, stated) -> {
			JsonNode property = metadata.get(name);
			if (property != null && property.has("defaultValue") && stated.startsWith("`")) {
				assertThat(normalized(property.get("defaultValue"))).as("default of %s", name)
					.isEqualTo(stated.replace("`", ""));
			}
		});
	}

	@Test
	void defaultsReachTheMetadataWhereTheReadmeStatesOne() throws IOException {
		Map<String, JsonNode> metadata = metadata();
		List<String> missing = new ArrayList<>();
		readmeRows().forEach((name, stated) -> {
			JsonNode property = metadata.get(name);
			if (property != null && stated.startsWith("`") && !property.has("defaultValue")) {
				missing.add(name);
			}
		});
		assertThat(missing).as("properties with a README default but none in the metadata").isEmpty();
	}

	private static String normalized(JsonNode value) {
		if (value.isArray()) {
			List<String> items = new ArrayList<>();
			value.forEach((item) -> items.add(item.asString()));
			return String.join(",", items);
		}
		// The processor writes a list default as one string: "[RS256, ES256]".
		return value.asString().replaceAll("^\\[|\\]$", "").replace(", ", ",");
	}

	/**
	 * README rows: each property name (a row may name several: {@code a.b} / {@code .c})
	 * with its stated default (for a row of several, each its part).
	 */
	private static Map<String, String> readmeRows() throws IOException {
		String readme = Files.readString(Path.of("README.md"));
		String table = readme.substring(readme.indexOf("## Configuration"),
				readme.indexOf("## Running against real WorkOS"));
		Map<String, String> rows = new TreeMap<>();
		Matcher row = ROW.matcher(table);
		while (row.find()) {
			String[] names = row.group(1).split(" / ");
			String[] defaults = row.group(2).strip().split(" / ");
			String first = names[0].replaceAll("`([^`]*)`.*", "$1");
			String parent = first.substring(0, first.lastIndexOf('.'));
			for (int i = 0; i < names.length; i++) {
				String name = (i == 0) ? first : parent + names[i].strip().replace("`", "");
				rows.put(name, (defaults.length == names.length) ? defaults[i].strip() : defaults[0].strip());
			}
		}
		return rows;
	}

	/** The gateway's own metadata (not that of the jars on the class path). */
	private static Map<String, JsonNode> metadata() throws IOException {
		Map<String, JsonNode> properties = new TreeMap<>();
		for (URL url : Collections.list(ConfigurationMetadataTests.class.getClassLoader()
			.getResources("META-INF/spring-configuration-metadata.json"))) {
			try (InputStream in = url.openStream()) {
				JsonNode root = JsonMapper.builder().build().readTree(in);
				for (JsonNode property : root.get("properties")) {
					String name = property.get("name").asString();
					if (name.startsWith("gateway.")) {
						properties.put(name, property);
					}
				}
			}
		}
		assertThat(properties).as("the gateway's configuration metadata").isNotEmpty();
		return properties;
	}

}
