package dev.portalgateway.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.portalgateway.system.Sha256;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Examples get copied. No token hash in the README or the chart may be the SHA-256 of a
 * word someone would guess: copying the example must not make that word a working token.
 */
class ExampleSecretsTests {

	private static final Pattern HASH = Pattern.compile("(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])");

	/** Common passwords and placeholder words, as the hashes of old examples were. */
	private static final List<String> GUESSABLE = List.of("", "password", "Password", "secret", "token", "changeme",
			"admin", "test", "example", "letmein", "qwerty", "123456", "12345678", "1", "2", "0", "a", "abc", "foo",
			"bar", "billing", "billing-api", "hr-portal", "my-token", "caller-token", "demo", "demo-token");

	@Test
	void noExampleTokenHashIsTheHashOfAGuessableWord() throws IOException {
		Map<String, String> guessable = GUESSABLE.stream().collect(Collectors.toMap(Sha256::hex, (word) -> word));
		List<String> found = new ArrayList<>();
		for (Path file : documentsAndValues()) {
			Matcher hashes = HASH.matcher(Files.readString(file, StandardCharsets.UTF_8));
			while (hashes.find()) {
				String word = guessable.get(hashes.group().toLowerCase(java.util.Locale.ROOT));
				if (word != null) {
					found.add(file + ": the SHA-256 of \"" + word + "\"");
				}
			}
		}
		assertThat(found).isEmpty();
	}

	private static List<Path> documentsAndValues() throws IOException {
		List<Path> files = new ArrayList<>(List.of(Path.of("README.md"), Path.of("helm/portal-gateway/values.yaml")));
		try (Stream<Path> ci = Files.list(Path.of("helm/portal-gateway/ci"))) {
			ci.forEach(files::add);
		}
		return files;
	}

}
