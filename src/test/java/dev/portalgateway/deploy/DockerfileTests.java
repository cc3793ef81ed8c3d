package dev.portalgateway.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Dockerfile's rules, checked without a Docker engine (none runs here): a JDK build
 * stage, a JRE-only runtime from layered extraction, non-root, exec-form, container-aware
 * memory, both ports, no secrets. {@link LayeredJarIT} starts the app from the same
 * layers.
 */
class DockerfileTests {

	private final List<String> instructions = DockerfileRules.instructions();

	@Test
	void buildsWithTheWrapperOnAJdkAndRunsOnAJre() {
		List<String> froms = this.instructions.stream().filter((i) -> i.startsWith("FROM ")).toList();
		assertThat(froms).hasSize(2);
		assertThat(froms.get(0)).isEqualTo("FROM --platform=$BUILDPLATFORM ${BUILD_IMAGE} AS build");
		assertThat(froms.get(1)).isEqualTo("FROM ${RUNTIME_IMAGE}");
		assertThat(this.instructions).contains("ARG JAVA_VERSION=25",
				"ARG BUILD_IMAGE=eclipse-temurin:${JAVA_VERSION}-jdk-noble",
				"ARG RUNTIME_IMAGE=eclipse-temurin:${JAVA_VERSION}-jre-noble");
		assertThat(buildStage()).anyMatch((i) -> i.startsWith("RUN") && i.contains("./mvnw -B -q -DskipTests package"));
	}

	@Test
	void canBePinnedByDigestAndSaysWhatItIs() throws IOException {
		// Base images are build arguments (a digest can be given); the runtime stage says
		// its version, revision and source.
		String dockerfile = Files.readString(DockerfileRules.DOCKERFILE);
		assertThat(dockerfile).contains("--build-arg RUNTIME_IMAGE=eclipse-temurin:25-jre-noble@sha256:");
		String labels = runtimeStage().stream().filter((i) -> i.startsWith("LABEL")).findFirst().orElseThrow();
		assertThat(labels).contains("org.opencontainers.image.version=\"${VERSION}\"",
				"org.opencontainers.image.revision=\"${REVISION}\"", "org.opencontainers.image.source=\"${SOURCE}\"");
	}

	@Test
	void trainsTheAotCacheWithTheRuntimeFlagsAndChecksItIsUsable() {
		List<String> runtime = runtimeStage();
		int env = lastIndexStartingWith(runtime, "ENV JAVA_TOOL_OPTIONS=");
		int training = indexContaining(runtime, "-XX:AOTCacheOutput=app.aot");
		int check = indexContaining(runtime, "-XX:AOTMode=on");
		assertThat(env).isNotNegative().isLessThan(training);
		assertThat(check).isGreaterThan(training);
		assertThat(runtime.get(check)).contains("-XX:AOTCache=app.aot");
		// The entry point's own options are in both runs.
		for (String option : DockerfileRules.entrypoint()) {
			if (option.startsWith("--") || option.startsWith("-D")) {
				assertThat(runtime.get(training)).contains(option);
				assertThat(runtime.get(check)).contains(option);
			}
		}
	}

	@Test
	void carriesTheEpollTransportForBothArchitectures() {
		// arm64 images would otherwise fall back to NIO without a word.
		ClassLoader loader = DockerfileTests.class.getClassLoader();
		assertThat(loader.getResource("META-INF/native/libnetty_transport_native_epoll_x86_64.so")).isNotNull();
		assertThat(loader.getResource("META-INF/native/libnetty_transport_native_epoll_aarch_64.so")).isNotNull();
	}

	private static int indexContaining(List<String> instructions, String text) {
		for (int i = 0; i < instructions.size(); i++) {
			if (instructions.get(i).contains(text)) {
				return i;
			}
		}
		return -1;
	}

	@Test
	void copiesSpringBootLayersOneByOneDependenciesFirst() {
		assertThat(DockerfileRules.extractArguments()).containsExactly("extract", "--layers", "--destination",
				"target/extracted");
		assertThat(DockerfileRules.layers()).containsExactly("dependencies", "spring-boot-loader",
				"snapshot-dependencies", "application");
		assertThat(this.instructions).noneMatch((i) -> i.contains("layertools"));
	}

	@Test
	void runsAsANonRootNumericUserWithAnExecFormEntrypoint() {
		List<String> runtime = runtimeStage();
		assertThat(runtime).contains("USER 10001:10001");
		assertThat(runtime.indexOf("USER 10001:10001")).isGreaterThan(lastIndexStartingWith(runtime, "COPY"));
		String entrypoint = runtime.stream().filter((i) -> i.startsWith("ENTRYPOINT")).findFirst().orElseThrow();
		assertThat(entrypoint).matches("ENTRYPOINT \\[\"java\", .*\"-jar\", \"portal-gateway.jar\"\\]")
			.contains("\"-XX:AOTCache=app.aot\"", "\"-Dspring.aot.enabled=true\"");
		assertThat(runtime).contains(
				"ENV JAVA_TOOL_OPTIONS=\"-XX:+UseSerialGC -XX:MaxRAMPercentage=50 -Xmn24m -XX:TrimNativeHeapInterval=5000 -XX:+ExitOnOutOfMemoryError\"");
		assertThat(DockerfileRules.env("MALLOC_ARENA_MAX")).isEqualTo("2");
		assertThat(runtime).contains("EXPOSE 8080 8081");
		assertThat(runtime).noneMatch((i) -> i.startsWith("RUN") && i.contains("mvnw"));
	}

	@Test
	void bakesInNoSecrets() throws IOException {
		// The one key-shaped value is the AOT training run's placeholder, in that RUN's
		// environment only.
		String dockerfile = Files.readString(DockerfileRules.DOCKERFILE)
			.replace("RUN WORKOS_API_KEY=sk_test_aottraining0000 java", "RUN java");
		assertThat(dockerfile).doesNotContainPattern("sk_(test|live)_");
		assertThat(Files.readString(DockerfileRules.trainingRun().script()))
			.contains("WORKOS_API_KEY=sk_test_aottraining0000 \"$@\"");
		assertThat(this.instructions).noneMatch((i) -> (i.startsWith("ENV") || i.startsWith("ARG"))
				&& i.toUpperCase().matches(".*(KEY|TOKEN|SECRET|PASSWORD).*"));
		List<String> ignored = Files.readAllLines(Path.of(".dockerignore"));
		assertThat(ignored).contains("target/", ".git/", "*.env");
	}

	private List<String> buildStage() {
		int runtime = lastIndexStartingWith(this.instructions, "FROM");
		return this.instructions.subList(0, runtime);
	}

	private List<String> runtimeStage() {
		int runtime = lastIndexStartingWith(this.instructions, "FROM");
		return this.instructions.subList(runtime, this.instructions.size());
	}

	private static int lastIndexStartingWith(List<String> instructions, String prefix) {
		for (int i = instructions.size() - 1; i >= 0; i--) {
			if (instructions.get(i).startsWith(prefix)) {
				return i;
			}
		}
		return -1;
	}

}
