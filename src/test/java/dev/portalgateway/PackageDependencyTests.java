package dev.portalgateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layering ARCHITECTURE.md draws, read from the sources: each package uses only the
 * packages below it (imports and qualified names in code, not in comments). A new
 * dependency is a decision: change the table here and in ARCHITECTURE.md together.
 */
class PackageDependencyTests {

	/** What each package may use; everything else it may not. */
	static final Map<String, Set<String>> ALLOWED = Map.of("system", Set.of(), "portal", Set.of(), "ratelimit",
			Set.of("system"), "workos", Set.of("ratelimit", "system", "portal"), "caller", Set.of("system", "portal"),
			"providericon", Set.of("caller", "workos", "system"), "portallink",
			Set.of("caller", "ratelimit", "workos", "system", "portal"), "compat",
			Set.of("caller", "portallink", "providericon", "workos", "system", "portal"));

	private static final Path SOURCES = Path.of("src/main/java/dev/portalgateway");

	private static final Pattern USE = Pattern.compile("dev\\.portalgateway\\.([a-z]+)\\.");

	@Test
	void eachPackageUsesOnlyThePackagesBelowIt() {
		Map<String, Set<String>> used = used();
		assertThat(used.keySet()).as("packages (a new one needs a row in ALLOWED and ARCHITECTURE.md)")
			.isSubsetOf(ALLOWED.keySet());
		used.forEach((from, to) -> assertThat(to).as(from + " uses").isSubsetOf(ALLOWED.get(from)));
	}

	@Test
	void accessControlKnowsNothingOfTheUpstream() {
		assertThat(used().get("caller")).doesNotContain("workos", "ratelimit");
	}

	@Test
	void theReaderSeesAUseInAnImportAndInCode() {
		// The scan itself: it finds what the tree is known to use.
		assertThat(used().get("workos")).contains("ratelimit", "system");
		assertThat(used().get("compat")).contains("portallink");
	}

	/** Package to the gateway packages its code uses. */
	private static Map<String, Set<String>> used() {
		Map<String, Set<String>> used = new TreeMap<>();
		try (Stream<Path> files = Files.walk(SOURCES)) {
			files.filter((file) -> file.toString().endsWith(".java"))
				.filter((file) -> !file.getParent().equals(SOURCES))
				.forEach((file) -> {
					String from = file.getParent().getFileName().toString();
					Set<String> to = used.computeIfAbsent(from, (key) -> new TreeSet<>());
					for (String line : lines(file)) {
						String code = line.strip();
						if (code.startsWith("*") || code.startsWith("/*") || code.startsWith("//")
								|| code.startsWith("package ")) {
							continue;
						}
						Matcher use = USE.matcher(code);
						while (use.find()) {
							if (!use.group(1).equals(from)) {
								to.add(use.group(1));
							}
						}
					}
				});
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return used;
	}

	private static Iterable<String> lines(Path file) {
		try {
			return Files.readAllLines(file);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
