package dev.portalgateway.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Dockerfile read as instructions (continuation lines joined, comments dropped),
 * shared by the rule checks and the test that starts the app from the extracted layers.
 */
final class DockerfileRules {

	static final Path DOCKERFILE = Path.of("Dockerfile");

	private static final Pattern TRAINING = Pattern
		.compile("RUN --mount=type=bind,source=(\\S+),target=(\\S+) bash \\2 (java .*)");

	private static final Pattern LAYER_COPY = Pattern
		.compile("COPY --from=build /workspace/target/extracted/([a-z-]+)/ \\./");

	private DockerfileRules() {
	}

	static List<String> instructions() {
		try {
			String text = Files.readString(DOCKERFILE).replaceAll("\\\\\\n", " ");
			List<String> instructions = new ArrayList<>();
			for (String line : text.split("\n")) {
				String trimmed = line.strip();
				if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
					instructions.add(trimmed.replaceAll("\\s+", " "));
				}
			}
			return instructions;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The Spring Boot layers the runtime stage copies, in order. */
	static List<String> layers() {
		List<String> layers = new ArrayList<>();
		for (String instruction : instructions()) {
			Matcher matcher = LAYER_COPY.matcher(instruction);
			if (matcher.matches()) {
				layers.add(matcher.group(1));
			}
		}
		return layers;
	}

	/**
	 * The runtime stage's AOT cache training run: the script the {@code RUN} mounts (a
	 * path in this checkout) and the gateway's command line it is given.
	 */
	static Training trainingRun() {
		for (String instruction : instructions()) {
			Matcher matcher = TRAINING.matcher(instruction);
			if (matcher.matches()) {
				return new Training(Path.of(matcher.group(1)), List.of(matcher.group(3).split(" ")));
			}
		}
		throw new IllegalStateException("No RUN that mounts a training script and gives it a java command");
	}

	record Training(Path script, List<String> command) {
	}

	/**
	 * The build step that starts with {@code -XX:AOTMode=on}, proving the cache usable.
	 */
	static Command cacheCheck() {
		return run("-XX:AOTMode=on");
	}

	/** The Java feature version the runtime stage runs on ({@code ARG JAVA_VERSION}). */
	static int javaVersion() {
		for (String instruction : instructions()) {
			Matcher matcher = Pattern.compile("ARG JAVA_VERSION=(\\d+)").matcher(instruction);
			if (matcher.matches()) {
				return Integer.parseInt(matcher.group(1));
			}
		}
		throw new IllegalStateException("No ARG JAVA_VERSION in the Dockerfile");
	}

	/**
	 * The first {@code RUN} containing {@code marker}, as a command with its assignments.
	 */
	private static Command run(String marker) {
		for (String instruction : instructions()) {
			if (instruction.startsWith("RUN ") && instruction.contains(marker)) {
				Map<String, String> environment = new LinkedHashMap<>();
				List<String> words = new ArrayList<>(List.of(instruction.substring(4).strip().split("\\s+")));
				while (!words.isEmpty() && words.get(0).matches("[A-Z_]+=\\S*")) {
					String[] assignment = words.remove(0).split("=", 2);
					environment.put(assignment[0], assignment[1]);
				}
				return new Command(environment, words);
			}
		}
		throw new IllegalStateException("No RUN with " + marker + " in the Dockerfile");
	}

	/** The value of an {@code ENV NAME="value"} of the Dockerfile. */
	static String env(String name) {
		for (String instruction : instructions()) {
			Matcher matcher = Pattern.compile("ENV " + name + "=\"([^\"]*)\"").matcher(instruction);
			if (matcher.matches()) {
				return matcher.group(1);
			}
		}
		throw new IllegalStateException("No ENV " + name + " in the Dockerfile");
	}

	/** The exec-form {@code ENTRYPOINT}, as a command line. */
	static List<String> entrypoint() {
		for (String instruction : instructions()) {
			if (instruction.startsWith("ENTRYPOINT [")) {
				List<String> words = new ArrayList<>();
				Matcher matcher = Pattern.compile("\"([^\"]*)\"").matcher(instruction);
				while (matcher.find()) {
					words.add(matcher.group(1));
				}
				return words;
			}
		}
		throw new IllegalStateException("No exec-form ENTRYPOINT in the Dockerfile");
	}

	record Command(Map<String, String> environment, List<String> arguments) {
	}

	/** The {@code extract} arguments the build stage uses, after {@code -jar <jar>}. */
	static List<String> extractArguments() {
		for (String instruction : instructions()) {
			Matcher matcher = Pattern.compile("java -Djarmode=tools -jar \\S+ (extract [^&]*?)(?: &&|$)")
				.matcher(instruction);
			if (matcher.find()) {
				return List.of(matcher.group(1).strip().split(" "));
			}
		}
		throw new IllegalStateException("No layered extraction in the Dockerfile");
	}

}
