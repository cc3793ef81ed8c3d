package dev.portalgateway.deploy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the image does, without Docker, on the image's Java version (a JDK of that version
 * under {@code /usr/lib/jvm}, else the test is skipped): extract the packaged jar with
 * the Dockerfile's own command, lay the layers on top of each other in the Dockerfile's
 * order (as its COPYs do), run the Dockerfile's AOT cache training run and its check
 * there, and start the app from that layout with the image's entry point and the Helm
 * chart's JVM options (plus {@code -XX:AOTMode=on}, so a cache those options cannot use
 * fails the test) until it is ready.
 */
class LayeredJarIT {

	private static final Path JAR = Path.of("target/portal-gateway.jar");

	@Test
	void startsFromTheExtractedLayers(@TempDir Path work) throws Exception {
		assertThat(JAR).exists();
		String java = imageJava();
		Path extracted = work.resolve("extracted");
		List<String> extract = new ArrayList<>(List.of(java, "-Djarmode=tools", "-jar", JAR.toString()));
		extract.addAll(DockerfileRules.extractArguments());
		extract.set(extract.size() - 1, extracted.toString());
		Process extraction = new ProcessBuilder(extract).inheritIO().start();
		assertThat(extraction.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(extraction.exitValue()).isZero();
		Path app = work.resolve("app");
		for (String layer : DockerfileRules.layers()) {
			assertThat(extracted.resolve(layer)).isDirectory();
			copyInto(extracted.resolve(layer), app);
		}
		// The Dockerfile's AOT cache training run, in the image's working directory: its
		// script starts the gateway with the given command line, waits until it is ready,
		// sends it requests and stops it.
		DockerfileRules.Training training = DockerfileRules.trainingRun();
		List<String> trainingCommand = new ArrayList<>(List.of("bash", training.script().toAbsolutePath().toString()));
		trainingCommand.addAll(training.command());
		assertThat(trainingCommand.get(2)).isEqualTo("java");
		trainingCommand.set(2, java);
		ProcessBuilder train = new ProcessBuilder(trainingCommand).directory(app.toFile())
			.redirectErrorStream(true)
			.redirectOutput(work.resolve("training.log").toFile());
		train.environment().put("PORT", Integer.toString(freePort()));
		train.environment().put("MANAGEMENT_PORT", Integer.toString(freePort()));
		// The runtime stage's JVM flags, set before the training run, as in the image.
		String javaToolOptions = DockerfileRules.env("JAVA_TOOL_OPTIONS");
		train.environment().put("JAVA_TOOL_OPTIONS", javaToolOptions);
		train.environment().put("MALLOC_ARENA_MAX", DockerfileRules.env("MALLOC_ARENA_MAX"));
		Process trainingRun = train.start();
		assertThat(trainingRun.waitFor(120, TimeUnit.SECONDS)).isTrue();
		assertThat(trainingRun.exitValue()).as(Files.readString(work.resolve("training.log"))).isZero();
		// It got as far as serving: every request it sent was answered, the ones that
		// need
		// WorkOS with the failure path's problem, the malformed one with 400.
		assertThat(Files.readString(work.resolve("training.log"))).contains("Started PortalGatewayApplication")
			.containsPattern("training round 3: [a-z, ]+: 5\\d\\d 5\\d\\d 400 200 200");
		assertThat(app.resolve("app.aot")).isNotEmptyFile();
		// The image build's own check: the cache is usable with the runtime's flags.
		DockerfileRules.Command check = DockerfileRules.cacheCheck();
		List<String> checkCommand = new ArrayList<>(check.arguments());
		checkCommand.set(0, java);
		ProcessBuilder verify = new ProcessBuilder(checkCommand).directory(app.toFile())
			.redirectErrorStream(true)
			.redirectOutput(work.resolve("check.log").toFile());
		verify.environment().putAll(check.environment());
		verify.environment().put("JAVA_TOOL_OPTIONS", javaToolOptions);
		Process checkRun = verify.start();
		assertThat(checkRun.waitFor(120, TimeUnit.SECONDS)).isTrue();
		assertThat(checkRun.exitValue()).as(Files.readString(work.resolve("check.log"))).isZero();
		// The image's entry point as the chart starts it (its JAVA_TOOL_OPTIONS), with
		// -XX:AOTMode=on: the JVM refuses to start unless it can use the cache. At the
		// defaults: the local store, the WorkOS-compatible API on.
		try (Started gateway = start(java, app, work.resolve("gateway.log"))) {
			assertThat(gateway.log()).contains("Starting AOT-processed PortalGatewayApplication");
			assertThat(gateway.get(gateway.managementPort, "/actuator/health")).doesNotContain("rateLimitStore");
			assertThat(gateway.status(gateway.port, "/portal/provider_icons")).isEqualTo(401);
		}
		// Choices made by properties are made when the context starts, also in the
		// context Spring AOT generated at build time: the Redis store, the compatible
		// API off.
		try (dev.portalgateway.RedisProcess redis = dev.portalgateway.RedisProcess.server();
				Started gateway = start(java, app, work.resolve("gateway-redis.log"),
						"--gateway.rate-limit.store=redis", "--spring.data.redis.url=redis://" + redis.address(),
						"--gateway.compat.enabled=false")) {
			assertThat(gateway.get(gateway.managementPort, "/actuator/health"))
				.contains("\"rateLimitStore\":{\"details\":{\"topology\":\"standalone\"");
			assertThat(gateway.status(gateway.port, "/portal/provider_icons")).isEqualTo(404);
		}
	}

	/** Starts the image's entry point in {@code app} and waits until it is ready. */
	private static Started start(String java, Path app, Path log, String... settings) throws Exception {
		int port = freePort();
		int managementPort = freePort();
		List<String> command = new ArrayList<>(DockerfileRules.entrypoint());
		assertThat(command.get(0)).isEqualTo("java");
		command.set(0, java);
		command.add(1, "-XX:AOTMode=on");
		command.addAll(List.of("--server.port=" + port, "--management.server.port=" + managementPort,
				"--gateway.workos.base-url=http://127.0.0.1:9"));
		command.addAll(List.of(settings));
		ProcessBuilder launch = new ProcessBuilder(command).directory(app.toFile())
			.redirectErrorStream(true)
			.redirectOutput(log.toFile());
		launch.environment().put("WORKOS_API_KEY", "sk_test_layeredjar0000");
		launch.environment().put("JAVA_TOOL_OPTIONS", chartJavaToolOptions());
		launch.environment().put("MALLOC_ARENA_MAX", DockerfileRules.env("MALLOC_ARENA_MAX"));
		Started gateway = new Started(launch.start(), port, managementPort, log);
		try {
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
			Integer ready = null;
			while (ready == null && System.nanoTime() < deadline && gateway.process.isAlive()) {
				try {
					ready = gateway.status(managementPort, "/actuator/health/readiness");
				}
				catch (IOException notYet) {
					gateway.process.waitFor(100, TimeUnit.MILLISECONDS);
				}
			}
			assertThat(ready).as(gateway.log()).isEqualTo(200);
			return gateway;
		}
		catch (Exception | AssertionError ex) {
			gateway.close();
			throw ex;
		}
	}

	/** A started gateway process, stopped on close. */
	record Started(Process process, int port, int managementPort, Path logFile) implements AutoCloseable {

		private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

		int status(int port, String path) throws IOException, InterruptedException {
			return send(port, path).statusCode();
		}

		String get(int port, String path) throws IOException, InterruptedException {
			return send(port, path).body();
		}

		private HttpResponse<String> send(int port, String path) throws IOException, InterruptedException {
			return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
				.timeout(Duration.ofSeconds(2))
				.build(), HttpResponse.BodyHandlers.ofString());
		}

		String log() throws IOException {
			return Files.readString(this.logFile);
		}

		@Override
		public void close() throws InterruptedException {
			this.process.destroy();
			if (!this.process.waitFor(30, TimeUnit.SECONDS)) {
				this.process.destroyForcibly();
			}
		}

	}

	@Test
	void theJarIsReproducible() throws IOException {
		// Every entry carries project.build.outputTimestamp, not the time of the build.
		java.util.Set<java.time.LocalDate> days = new java.util.HashSet<>();
		try (java.util.jar.JarFile jar = new java.util.jar.JarFile(JAR.toFile())) {
			jar.stream()
				.forEach((entry) -> days.add(java.time.LocalDate.ofInstant(entry.getLastModifiedTime().toInstant(),
						java.time.ZoneOffset.UTC)));
		}
		assertThat(days).hasSize(1)
			.allSatisfy((day) -> assertThat(day).isBetween(java.time.LocalDate.of(2026, 11, 29),
					java.time.LocalDate.of(2026, 11, 30)));
	}

	/**
	 * The {@code java} of the image's Java version: this JVM's, or a JDK's under
	 * {@code /usr/lib/jvm}; the test is skipped when there is none.
	 */
	private static String imageJava() throws IOException {
		int version = DockerfileRules.javaVersion();
		List<Path> homes = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"))));
		Path jvms = Path.of("/usr/lib/jvm");
		if (Files.isDirectory(jvms)) {
			try (Stream<Path> installed = Files.list(jvms)) {
				installed.sorted().forEach(homes::add);
			}
		}
		for (Path home : homes) {
			Path release = home.resolve("release");
			if (Files.isRegularFile(release) && Files.isExecutable(home.resolve("bin/java"))
					&& Files.readString(release).matches("(?s).*\\bJAVA_VERSION=\"" + version + "(\\.[^\"]*)?\".*")) {
				return home.resolve("bin/java").toString();
			}
		}
		Assumptions.abort("The image runs on Java " + version + ": no JDK " + version
				+ " under /usr/lib/jvm (Debian: temurin-" + version + "-jdk or openjdk-" + version + "-jdk)");
		throw new IllegalStateException("unreachable");
	}

	/** JAVA_TOOL_OPTIONS as the Helm chart sets it, at its defaults. */
	private static String chartJavaToolOptions() {
		return RenderedChart.render("default-values.yaml")
			.container()
			.getEnv()
			.stream()
			.filter((variable) -> "JAVA_TOOL_OPTIONS".equals(variable.getName()))
			.findFirst()
			.orElseThrow()
			.getValue();
	}

	private static void copyInto(Path layer, Path target) throws IOException {
		try (Stream<Path> files = Files.walk(layer)) {
			for (Path source : (Iterable<Path>) files::iterator) {
				Path destination = target.resolve(layer.relativize(source).toString());
				if (Files.isDirectory(source)) {
					Files.createDirectories(destination);
				}
				else {
					Files.copy(source, destination, StandardCopyOption.REPLACE_EXISTING);
				}
			}
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
