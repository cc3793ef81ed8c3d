package dev.portalgateway.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.portalgateway.caller.CallerProperties;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1Ingress;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Probe;
import io.kubernetes.client.openapi.models.V1ProjectedVolumeSource;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ByteArrayResource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * The Helm chart, linted and rendered with each {@code ci/*-values.yaml}, checked against
 * what platform teams expect from a well-kept service chart.
 */
class HelmChartTests {

	@Test
	void lintsWithoutWarnings() {
		LintResult result = new Helm(RenderedChart.CHART).lint().strict().call();
		assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
		assertThat(result.getMessages())
			.noneMatch((message) -> message.contains("[ERROR]") || message.contains("[WARNING]"));
	}

	@ParameterizedTest
	@ValueSource(strings = { "default-values.yaml", "all-features-values.yaml", "existing-secret-values.yaml",
			"hpa-values.yaml", "redis-values.yaml", "sentinel-values.yaml", "cluster-values.yaml",
			"extensions-values.yaml", "tuning-values.yaml" })
	void rendersValidKubernetesObjectsWithScaffoldLabels(String values) {
		RenderedChart chart = RenderedChart.render(values);
		assertThat(chart.objects).isNotEmpty().allSatisfy((object) -> {
			Map<String, String> labels = object.getMetadata().getLabels();
			assertThat(labels).containsEntry("app.kubernetes.io/name", "portal-gateway")
				.containsEntry("app.kubernetes.io/instance", "gw")
				.containsEntry("app.kubernetes.io/managed-by", "Helm")
				.containsEntry("app.kubernetes.io/version", "0.1.0")
				.containsKey("helm.sh/chart");
		});
		V1Deployment deployment = chart.one(V1Deployment.class);
		assertThat(deployment.getSpec().getSelector().getMatchLabels()).containsOnlyKeys("app.kubernetes.io/name",
				"app.kubernetes.io/instance");
		assertThat(chart.all(V1Service.class)).hasSize(2)
			.allSatisfy((service) -> assertThat(service.getSpec().getSelector())
				.containsOnlyKeys("app.kubernetes.io/name", "app.kubernetes.io/instance"));
		assertThat(chart.manifest).doesNotContain("sk_test_chartci0000000000")
			.as("the key is only ever base64 in a Secret");
	}

	@Test
	void deploysTwoHardenedReplicasWithProbesOnTheManagementPort() {
		RenderedChart chart = RenderedChart.render("default-values.yaml");
		V1Deployment deployment = chart.one(V1Deployment.class);
		assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
		V1PodSpec pod = deployment.getSpec().getTemplate().getSpec();
		V1Container container = pod.getContainers().get(0);
		assertThat(container.getPorts()).extracting("name", "containerPort")
			.containsExactly(org.assertj.core.groups.Tuple.tuple("http", 8080),
					org.assertj.core.groups.Tuple.tuple("management", 8081));
		assertProbe(container.getStartupProbe(), "/actuator/health/liveness");
		assertProbe(container.getLivenessProbe(), "/actuator/health/liveness");
		assertProbe(container.getReadinessProbe(), "/actuator/health/readiness");
		assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
		assertThat(container.getResources().getLimits()).containsKeys("cpu", "memory");
		assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
		assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
		assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
		assertThat(container.getSecurityContext().getRunAsNonRoot()).isTrue();
		assertThat(container.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
		assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
		assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
		assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
		assertThat(container.getVolumeMounts()).anySatisfy((mount) -> {
			assertThat(mount.getMountPath()).isEqualTo("/tmp");
			assertThat(pod.getVolumes()).anySatisfy((volume) -> {
				assertThat(volume.getName()).isEqualTo(mount.getName());
				assertThat(volume.getEmptyDir()).isNotNull();
			});
		});
		assertThat(pod.getAutomountServiceAccountToken()).isFalse();
		assertThat(chart.one(V1ServiceAccount.class).getAutomountServiceAccountToken()).isFalse();
	}

	@Test
	void shutsDownGracefullyWithinTheGracePeriod() throws IOException {
		V1Deployment deployment = RenderedChart.render("default-values.yaml").one(V1Deployment.class);
		V1PodSpec pod = deployment.getSpec().getTemplate().getSpec();
		V1Container container = pod.getContainers().get(0);
		assertThat(container.getLifecycle().getPreStop().getExec().getCommand()).containsExactly("sleep", "5");
		assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(30L);
		String config = RenderedChart.render("default-values.yaml").config().getData().get("portal-gateway.yaml");
		assertThat(config).contains("timeout-per-shutdown-phase: \"20s\"");
		assertThatException()
			.isThrownBy(() -> RenderedChart.render("default-values.yaml",
					(command) -> command.set("shutdown.terminationGracePeriodSeconds", 20)))
			.withMessageContaining("must exceed preStopSleepSeconds + timeoutSeconds");
	}

	@Test
	void spreadsPodsAcrossNodesAndKeepsOneUpDuringDisruptions() {
		RenderedChart chart = RenderedChart.render("default-values.yaml");
		V1PodSpec pod = chart.pod();
		assertThat(pod.getTopologySpreadConstraints()).anySatisfy((constraint) -> {
			assertThat(constraint.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
			assertThat(constraint.getLabelSelector().getMatchLabels()).doesNotContainKey("helm.sh/chart");
		});
		V1PodDisruptionBudget budget = chart.one(V1PodDisruptionBudget.class);
		assertThat(budget.getSpec().getMaxUnavailable().getIntValue()).isEqualTo(1);
		assertThat(RenderedChart.render("default-values.yaml", (command) -> command.set("replicaCount", 1))
			.find(V1PodDisruptionBudget.class)).as("no PDB for a single replica").isEmpty();
	}

	@Test
	void readsTheKeyFromAnExistingSecretAndMakesNone() {
		RenderedChart chart = RenderedChart.render("existing-secret-values.yaml");
		V1EnvVar key = env(chart, "WORKOS_API_KEY");
		assertThat(key.getValue()).isNull();
		assertThat(key.getValueFrom().getSecretKeyRef().getName()).isEqualTo("platform-workos");
		assertThat(key.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("WORKOS_API_KEY");
		assertThat(chart.find(V1Secret.class)).isEmpty();
	}

	@Test
	void makesASecretFromApiKeyForDevelopmentOnly() {
		RenderedChart chart = RenderedChart.render("all-features-values.yaml");
		V1Secret secret = chart.one(V1Secret.class);
		assertThat(new String(secret.getData().get("api-key"), StandardCharsets.UTF_8))
			.isEqualTo("sk_test_chartci0000000000");
		assertThat(env(chart, "WORKOS_API_KEY").getValueFrom().getSecretKeyRef().getName())
			.isEqualTo(secret.getMetadata().getName());
		assertThat(chart.config().getData().toString()).doesNotContain("sk_test_");
	}

	@Test
	void refusesBothAnApiKeyAndAnExistingSecret() {
		assertThatException()
			.isThrownBy(() -> RenderedChart.render("all-features-values.yaml",
					(command) -> command.set("workos.existingSecret.name", "other")))
			.withMessageContaining("not both");
	}

	@Test
	void putsCallerPoliciesInAConfigMapThatSpringImportsAndBinds() throws IOException {
		RenderedChart chart = RenderedChart.render("existing-secret-values.yaml");
		assertThat(env(chart, "SPRING_CONFIG_IMPORT").getValue()).isEqualTo("file:/config/portal-gateway.yaml");
		assertThat(chart.container().getVolumeMounts())
			.anySatisfy((mount) -> assertThat(mount.getMountPath()).isEqualTo("/config"));
		CallerProperties callers = binder(chart).bind("gateway", CallerProperties.class).get();
		assertThat(callers.callers()).singleElement().satisfies((caller) -> {
			assertThat(caller.name()).isEqualTo("billing-api");
			assertThat(caller.tokenSha256()).hasSize(64);
			assertThat(caller.returnUrlHosts()).containsExactly("billing.example.com", "*.billing.example.com");
		});
	}

	@Test
	void passesCallerScopesAndSharesThrough() throws IOException {
		CallerProperties callers = binder(RenderedChart.render("all-features-values.yaml"))
			.bind("gateway", CallerProperties.class)
			.get();
		assertThat(callers.callers().get(0).organizations()).containsExactly("org_01H*",
				"org_01J0000000000000000000000");
		assertThat(callers.callers().get(0).itContactEmailDomains()).containsExactly("billing.example.com",
				"*.corp.example.com");
		assertThat(callers.callers().get(1).organizations()).as("none listed: any").isEmpty();
		assertThat(callers.callers().get(1).itContactEmailDomains()).as("the default: denied").isEmpty();
		assertThat(callers.callers().get(0).weight()).isEqualTo(3);
		assertThat(callers.callers().get(0).maxLinks()).isEqualTo(40);
		assertThat(callers.callers().get(1).weight()).as("the default").isEqualTo(1);
		assertThat(callers.callers().get(1).maxLinks()).as("no cap").isNull();
	}

	@Test
	void verifiesServiceAccountTokensWithKeysFromTheApiServer() throws IOException {
		RenderedChart chart = RenderedChart.render("jwt-values.yaml");
		Binder config = binder(chart);
		assertThat(config.bind("gateway.callers", Bindable.listOf(CallerProperties.Policy.class)).get())
			.extracting(CallerProperties.Policy::subject)
			.containsExactly("system:serviceaccount:billing:billing-api", null);
		Map<String, String> jwt = config.bind("gateway.auth.jwt", Bindable.mapOf(String.class, String.class)).get();
		String mounted = "/var/run/secrets/portal-gateway/kube-api";
		assertThat(jwt).containsEntry("issuer", "https://kubernetes.default.svc.cluster.local")
			.containsEntry("jwks-uri", "https://kubernetes.default.svc/openid/v1/jwks")
			.containsEntry("audience", "portal-gateway")
			.containsEntry("clock-skew", "30s")
			.containsEntry("jwks-ca-certificates", mounted + "/ca.crt")
			.containsEntry("jwks-token-file", mounted + "/token");
		V1PodSpec pod = chart.pod();
		// Only the projected token for the API server, not the automounted one.
		assertThat(pod.getAutomountServiceAccountToken()).isFalse();
		assertThat(pod.getContainers().get(0).getVolumeMounts()).anySatisfy((mount) -> {
			assertThat(mount.getName()).isEqualTo("kube-api");
			assertThat(mount.getMountPath()).isEqualTo(mounted);
			assertThat(mount.getReadOnly()).isTrue();
		});
		V1ProjectedVolumeSource projected = pod.getVolumes()
			.stream()
			.filter((volume) -> volume.getName().equals("kube-api"))
			.findFirst()
			.orElseThrow()
			.getProjected();
		assertThat(projected.getSources()).hasSize(2);
		assertThat(projected.getSources().get(0).getServiceAccountToken()).satisfies((token) -> {
			assertThat(token.getPath()).isEqualTo("token");
			assertThat(token.getAudience()).as("the API server's own audience").isNull();
			assertThat(token.getExpirationSeconds()).isEqualTo(3600);
		});
		assertThat(projected.getSources().get(1).getConfigMap()).satisfies((caBundle) -> {
			assertThat(caBundle.getName()).isEqualTo("kube-root-ca.crt");
			assertThat(caBundle.getItems()).singleElement()
				.satisfies((item) -> assertThat(item.getPath()).isEqualTo("ca.crt"));
		});
	}

	@Test
	void mountsNothingForAnIssuerWithPublicKeys() throws IOException {
		RenderedChart chart = RenderedChart.render("jwt-values.yaml",
				(command) -> command.set("auth.jwt.fromApiServer", "false")
					.set("auth.jwt.issuer", "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE")
					.set("auth.jwt.jwksUri", "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE/keys"));
		Map<String, String> jwt = binder(chart).bind("gateway.auth.jwt", Bindable.mapOf(String.class, String.class))
			.get();
		assertThat(jwt).containsEntry("jwks-uri", "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE/keys")
			.doesNotContainKeys("jwks-ca-certificates", "jwks-token-file");
		assertThat(chart.pod().getVolumes())
			.noneSatisfy((volume) -> assertThat(volume.getName()).isEqualTo("kube-api"));
		assertThat(RenderedChart.render("default-values.yaml").manifest).doesNotContain("kube-api", "jwks");
	}

	@Test
	void refusesASubjectWithoutJwtVerification() {
		assertThatException()
			.isThrownBy(() -> RenderedChart.render("existing-secret-values.yaml",
					(command) -> command.set("callers[0].subject", "system:serviceaccount:billing:billing-api")))
			.withMessageContaining("callers[0].subject needs auth.jwt.enabled=true");
	}

	@Test
	void rollsThePodsWhenTheConfigurationChanges() {
		String before = checksum(RenderedChart.render("existing-secret-values.yaml"));
		String after = checksum(RenderedChart.render("existing-secret-values.yaml",
				(command) -> command.set("callers[0].intents[0]", "audit_logs")));
		assertThat(before).matches("[0-9a-f]{64}");
		assertThat(after).matches("[0-9a-f]{64}").isNotEqualTo(before);
	}

	@Test
	void sharesQuotasThroughRedisWithThePasswordFromItsSecret() {
		RenderedChart chart = RenderedChart.render("redis-values.yaml");
		assertThat(env(chart, "GATEWAY_RATE_LIMIT_STORE").getValue()).isEqualTo("redis");
		assertThat(env(chart, "GATEWAY_RATE_LIMIT_EXPECTED_REPLICAS").getValue()).isEqualTo("3");
		// Each setting apart, never in a URL: any password stays intact, and in its
		// Secret.
		assertThat(env(chart, "SPRING_DATA_REDIS_PASSWORD").getValueFrom().getSecretKeyRef().getName())
			.isEqualTo("platform-redis");
		assertThat(env(chart, "SPRING_DATA_REDIS_HOST").getValue())
			.isEqualTo("redis-master.platform.svc.cluster.local");
		assertThat(env(chart, "SPRING_DATA_REDIS_PORT").getValue()).isEqualTo("6379");
		assertThat(env(chart, "SPRING_DATA_REDIS_SSL_ENABLED").getValue()).isEqualTo("true");
		assertThat(chart.manifest).doesNotContain("SPRING_DATA_REDIS_URL");
		assertThat(env(
				RenderedChart.render("redis-values.yaml", (command) -> command.set("rateLimit.expectedReplicas", "6")),
				"GATEWAY_RATE_LIMIT_EXPECTED_REPLICAS")
			.getValue()).isEqualTo("6");
		// An IPv6 address needs no brackets in a variable of its own.
		io.lettuce.core.RedisURI ipv6 = boundRedis(
				RenderedChart.render("redis-values.yaml", (command) -> command.set("redis.host", "fd00:10:96::a")))
			.toUri();
		assertThat(ipv6.getHost()).isEqualTo("fd00:10:96::a");
		assertThat(ipv6.getPort()).isEqualTo(6379);
		assertThat(RenderedChart.render("default-values.yaml").manifest).doesNotContain("REDIS");
		assertThatException().isThrownBy(
				() -> RenderedChart.render("default-values.yaml", (command) -> command.set("rateLimit.store", "redis")))
			.withMessageContaining("needs redis.host");
	}

	@Test
	void findsTheRedisMasterThroughSentinels() throws IOException {
		RenderedChart chart = RenderedChart.render("sentinel-values.yaml");
		assertThat(env(chart, "SPRING_DATA_REDIS_SENTINEL_MASTER").getValue()).isEqualTo("gateway-master");
		assertThat(env(chart, "SPRING_DATA_REDIS_SENTINEL_PASSWORD").getValueFrom().getSecretKeyRef().getKey())
			.isEqualTo("sentinel-password");
		assertThat(env(chart, "SPRING_DATA_REDIS_USERNAME").getValue()).isEqualTo("portal-gateway");
		assertThat(chart.manifest).doesNotContain("SPRING_DATA_REDIS_HOST");
		// What the gateway binds from those variables: a valid Sentinel configuration.
		dev.portalgateway.ratelimit.RedisProperties redis = boundRedis(chart);
		assertThat(redis.topology()).isEqualTo("sentinel");
		assertThat(redis.toUri().getSentinels()).hasSize(3);
		assertThatException()
			.isThrownBy(() -> RenderedChart.render("sentinel-values.yaml",
					(command) -> command.set("redis.host", "redis.platform")))
			.withMessageContaining("choose one topology");
	}

	@Test
	void findsARedisClusterThroughItsNodes() throws IOException {
		RenderedChart chart = RenderedChart.render("cluster-values.yaml");
		assertThat(env(chart, "SPRING_DATA_REDIS_CLUSTER_NODES").getValue()).startsWith("redis-cluster-0.");
		assertThat(env(chart, "SPRING_DATA_REDIS_PASSWORD").getValueFrom().getSecretKeyRef().getName())
			.isEqualTo("platform-redis");
		assertThat(chart.manifest).doesNotContain("SPRING_DATA_REDIS_HOST").doesNotContain("SENTINEL");
		dev.portalgateway.ratelimit.RedisProperties redis = boundRedis(chart);
		assertThat(redis.topology()).isEqualTo("cluster");
		assertThat(redis.cluster().maxRedirects()).isEqualTo(5);
		assertThat(redis.clusterUris()).hasSize(3).allSatisfy((node) -> {
			assertThat(node.isSsl()).isTrue();
			assertThat(node.getUsername()).isEqualTo("portal-gateway");
		});
		// The private CA: mounted from its ConfigMap, a PEM bundle the Redis settings
		// name.
		assertThat(redis.ssl().bundle()).isEqualTo("redis");
		assertThat(redisBinder(chart).bind("spring.ssl.bundle.pem.redis.truststore.certificate", String.class).get())
			.isEqualTo("file:/var/run/secrets/portal-gateway/redis-ca/ca.crt");
		V1PodSpec pod = chart.pod();
		assertThat(pod.getVolumes()).filteredOn((volume) -> "redis-ca".equals(volume.getName()))
			.singleElement()
			.satisfies((volume) -> assertThat(volume.getConfigMap().getName()).isEqualTo("platform-redis-ca"));
		assertThat(pod.getContainers().get(0).getVolumeMounts()).anySatisfy(
				(mount) -> assertThat(mount.getMountPath()).isEqualTo("/var/run/secrets/portal-gateway/redis-ca"));
		assertThat(RenderedChart.render("sentinel-values.yaml").manifest).doesNotContain("redis-ca");
		assertThatException()
			.isThrownBy(() -> RenderedChart.render("cluster-values.yaml",
					(command) -> command.set("redis.tlsCa.secret", "also")))
			.withMessageContaining("choose one");
		assertThatException()
			.isThrownBy(() -> RenderedChart.render("cluster-values.yaml",
					(command) -> command.set("redis.sentinel.master", "gw")
						.set("redis.sentinel.nodes[0]", "sentinel:26379")))
			.withMessageContaining("choose one topology");
	}

	/**
	 * What the gateway binds from the chart's {@code SPRING_DATA_REDIS_*} variables,
	 * named as the process environment is; a variable from a Secret stands in as
	 * {@code from-a-secret}.
	 */
	private static dev.portalgateway.ratelimit.RedisProperties boundRedis(RenderedChart chart) {
		return redisBinder(chart).bind("spring.data.redis", dev.portalgateway.ratelimit.RedisProperties.class).get();
	}

	private static Binder redisBinder(RenderedChart chart) {
		Map<String, Object> variables = new java.util.HashMap<>();
		for (V1EnvVar variable : chart.container().getEnv()) {
			if (variable.getName().startsWith("SPRING_DATA_REDIS") || variable.getName().startsWith("SPRING_SSL")) {
				variables.put(variable.getName(),
						(variable.getValue() != null) ? variable.getValue() : "from-a-secret");
			}
		}
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
					new org.springframework.core.env.SystemEnvironmentPropertySource(
							StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
		return Binder.get(environment);
	}

	@Test
	void switchesOnStructuredJsonLogs() {
		assertThat(env(RenderedChart.render("default-values.yaml"), "LOGGING_STRUCTURED_FORMAT_CONSOLE").getValue())
			.isEqualTo("ecs");
	}

	@Test
	void scalesWithAnAutoscalerInsteadOfFixedReplicas() {
		RenderedChart chart = RenderedChart.render("hpa-values.yaml");
		V2HorizontalPodAutoscaler hpa = chart.one(V2HorizontalPodAutoscaler.class);
		assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(3);
		assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(8);
		assertThat(hpa.getSpec().getScaleTargetRef().getName())
			.isEqualTo(chart.one(V1Deployment.class).getMetadata().getName());
		assertThat(chart.one(V1Deployment.class).getSpec().getReplicas()).isNull();
	}

	@Test
	void capsDirectMemoryAndSizesTheJvmForItsCpus() {
		// Defaults: limit 1 CPU, 384 MiB.
		assertThat(javaToolOptions(RenderedChart.render("default-values.yaml"))).isEqualTo(
				"-XX:+UseSerialGC -XX:MaxRAMPercentage=50 -Xmn24m -XX:TrimNativeHeapInterval=5000 -XX:+ExitOnOutOfMemoryError -XX:MaxDirectMemorySize=64m"
						+ " -XX:ActiveProcessorCount=1");
		// No CPU limit: the request, rounded up, not the node's cores.
		assertThat(javaToolOptions(RenderedChart.render("default-values.yaml",
				(command) -> command.set("resources.limits.cpu", "null").set("resources.requests.cpu", "1500m"))))
			.endsWith("-XX:ActiveProcessorCount=2");
		assertThat(javaToolOptions(
				RenderedChart.render("default-values.yaml", (command) -> command.set("resources.limits.cpu", "2.5"))))
			.endsWith("-XX:ActiveProcessorCount=3");
		assertThat(javaToolOptions(RenderedChart.render("default-values.yaml",
				(command) -> command.set("jvm.activeProcessorCount", "4").set("jvm.maxDirectMemorySize", ""))))
			.isEqualTo(
					"-XX:+UseSerialGC -XX:MaxRAMPercentage=50 -Xmn24m -XX:TrimNativeHeapInterval=5000 -XX:+ExitOnOutOfMemoryError -XX:ActiveProcessorCount=4");
	}

	private static String javaToolOptions(RenderedChart chart) {
		return env(chart, "JAVA_TOOL_OPTIONS").getValue();
	}

	@Test
	void sleepsBeforeSigtermNativelyWhereKubernetesCan() {
		V1Container old = RenderedChart.render("default-values.yaml").container();
		assertThat(old.getLifecycle().getPreStop().getExec().getCommand()).containsExactly("sleep", "5");
		assertThat(old.getLifecycle().getPreStop().getSleep()).isNull();
		V1Container current = RenderedChart.render("default-values.yaml", "1.30.0", (command) -> {
		}).container();
		assertThat(current.getLifecycle().getPreStop().getSleep().getSeconds()).isEqualTo(5);
		assertThat(current.getLifecycle().getPreStop().getExec()).isNull();
	}

	@Test
	void offersTheExtensionPointsOfTheBestCharts() {
		RenderedChart chart = RenderedChart.render("extensions-values.yaml");
		V1Deployment deployment = chart.one(V1Deployment.class);
		V1PodSpec pod = deployment.getSpec().getTemplate().getSpec();
		V1Container gateway = pod.getContainers().get(0);
		assertThat(gateway.getImage()).isEqualTo(
				"mirror.example.com/ghcr.io/portal-gateway/portal-gateway@sha256:0000000000000000000000000000000000000000000000000000000000000001");
		assertThat(deployment.getMetadata().getLabels()).containsEntry("team", "identity");
		assertThat(chart.objects)
			.allSatisfy((object) -> assertThat(object.getMetadata().getLabels()).containsEntry("team", "identity"));
		assertThat(deployment.getMetadata().getAnnotations()).containsEntry("secret.reloader.stakater.com/reload",
				"workos-api-key");
		assertThat(gateway.getEnvFrom().get(0).getConfigMapRef().getName()).isEqualTo("proxy-settings");
		assertThat(pod.getVolumes()).anySatisfy((volume) -> assertThat(volume.getName()).isEqualTo("extra-ca"));
		assertThat(gateway.getVolumeMounts())
			.anySatisfy((mount) -> assertThat(mount.getMountPath()).isEqualTo("/etc/corporate-ca"));
		assertThat(pod.getInitContainers()).extracting(V1Container::getName).containsExactly("wait-for-proxy");
		assertThat(pod.getContainers()).extracting(V1Container::getName)
			.containsExactly("portal-gateway", "log-shipper");
		assertThat(pod.getPriorityClassName()).isEqualTo("platform-critical");
		assertThat(pod.getTopologySpreadConstraints()).singleElement()
			.satisfies((spread) -> assertThat(spread.getMatchLabelKeys()).containsExactly("pod-template-hash"));
		V1Service service = chart.named(V1Service.class, "gw-portal-gateway");
		assertThat(service.getMetadata().getAnnotations())
			.containsEntry("service.beta.kubernetes.io/aws-load-balancer-internal", "true");
		assertThat(service.getSpec().getIpFamilyPolicy()).isEqualTo("PreferDualStack");
		assertThat(service.getSpec().getLoadBalancerSourceRanges()).containsExactly("10.0.0.0/8");
		assertThat(chart.one(V2HorizontalPodAutoscaler.class)
			.getSpec()
			.getBehavior()
			.getScaleDown()
			.getStabilizationWindowSeconds()).isEqualTo(600);
		assertThat(chart.one(V1PodDisruptionBudget.class).getSpec().getUnhealthyPodEvictionPolicy())
			.isEqualTo("AlwaysAllow");
		assertThat(chart.customResources).filteredOn((resource) -> "ServiceMonitor".equals(resource.get("kind")))
			.singleElement()
			.satisfies((monitor) -> assertThat(monitor.toString()).contains("targetLabel=cluster"));
		// The default spreads each rollout's pods on their own, too.
		assertThat(RenderedChart.render("default-values.yaml").pod().getTopologySpreadConstraints())
			.allSatisfy((spread) -> assertThat(spread.getMatchLabelKeys()).containsExactly("pod-template-hash"));
		assertThat(notes("extensions-values.yaml")).contains("WARNING: service.type=LoadBalancer");
	}

	@Test
	void refusesAnIngressWithoutAHost() {
		assertThatException().isThrownBy(
				() -> RenderedChart.render("default-values.yaml", (command) -> command.set("ingress.enabled", "true")))
			.withMessageContaining("values don't meet the specifications of the schema");
		assertThat(
				RenderedChart
					.render("default-values.yaml",
							(command) -> command.set("ingress.enabled", "true")
								.set("ingress.host", "gw.internal.example.com"))
					.one(V1Ingress.class)
					.getSpec()
					.getRules()
					.get(0)
					.getHost())
			.isEqualTo("gw.internal.example.com");
	}

	@Test
	void givesStartingPodsThreeMinutesAndExposesTheTimings() {
		V1Probe startup = RenderedChart.render("default-values.yaml").container().getStartupProbe();
		assertThat(startup.getPeriodSeconds() * startup.getFailureThreshold()).isEqualTo(180);
		assertThat(startup.getTimeoutSeconds()).isEqualTo(2);
		V1Probe tuned = RenderedChart
			.render("default-values.yaml",
					(command) -> command.set("probes.startup.failureThreshold", "150")
						.set("probes.startup.timeoutSeconds", "5"))
			.container()
			.getStartupProbe();
		assertThat(tuned.getFailureThreshold()).isEqualTo(150);
		assertThat(tuned.getTimeoutSeconds()).isEqualTo(5);
	}

	@Test
	void notesWarnWhenSeveralPodsCountTheBudgetAlone() {
		assertThat(notes("default-values.yaml")).contains("WARNING: rateLimit.store=local with 2 pods");
		assertThat(notes("hpa-values.yaml")).contains("WARNING: rateLimit.store=local with the HPA (up to 8 pods)");
		assertThat(notes("redis-values.yaml")).doesNotContain("rateLimit.store=local");
	}

	private static String notes(String values) {
		return new Helm(RenderedChart.CHART).install()
			.withName("gw")
			.withNamespace("identity")
			.withValuesFile(RenderedChart.CHART.resolve("ci").resolve(values))
			.dryRun()
			.withKubeVersion(RenderedChart.KUBE_VERSION)
			.withDryRunOption(com.marcnuri.helm.DryRun.CLIENT)
			.clientOnly()
			.call()
			.getOutput();
	}

	@Test
	void leavesOptionalResourcesOffByDefault() {
		RenderedChart chart = RenderedChart.render("default-values.yaml");
		assertThat(chart.find(V2HorizontalPodAutoscaler.class)).isEmpty();
		assertThat(chart.find(V1NetworkPolicy.class)).isEmpty();
		assertThat(chart.find(V1Ingress.class)).isEmpty();
		assertThat(chart.customResources).isEmpty();
	}

	@Test
	void rendersMonitoringAndNetworkPolicyWhenAsked() {
		RenderedChart chart = RenderedChart.render("all-features-values.yaml");
		Map<String, Object> monitor = chart.customResources.stream()
			.filter((resource) -> "ServiceMonitor".equals(resource.get("kind")))
			.findFirst()
			.orElseThrow();
		assertThat(monitor).containsEntry("apiVersion", "monitoring.coreos.com/v1")
			.containsEntry("kind", "ServiceMonitor");
		assertThat(monitor.toString()).contains("path=/actuator/prometheus", "port=management",
				"release=kube-prometheus-stack");
		V1NetworkPolicy policy = chart.one(V1NetworkPolicy.class);
		assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");
		List<io.kubernetes.client.openapi.models.V1NetworkPolicyIngressRule> rules = policy.getSpec().getIngress();
		assertThat(rules).hasSize(3);
		assertThat(rules.get(0).getPorts().get(0).getPort().getStrValue()).isEqualTo("http");
		assertThat(rules.get(0).getFrom().get(0).getNamespaceSelector().getMatchLabels())
			.containsEntry("portal-gateway/client", "true");
		// ingress.enabled: the ingress controller reaches the API port.
		assertThat(rules.get(1).getPorts().get(0).getPort().getStrValue()).isEqualTo("http");
		assertThat(rules.get(1).getFrom().get(0).getNamespaceSelector().getMatchLabels())
			.containsEntry("kubernetes.io/metadata.name", "ingress-nginx");
		assertThat(rules.get(2).getPorts().get(0).getPort().getStrValue()).isEqualTo("management");
	}

	@Test
	void theNetworkPolicyLetsTheHelmTestPodReachActuator() {
		V1NetworkPolicy policy = RenderedChart.render("all-features-values.yaml").one(V1NetworkPolicy.class);
		var management = policy.getSpec()
			.getIngress()
			.stream()
			.filter((rule) -> "management".equals(rule.getPorts().get(0).getPort().getStrValue()))
			.findFirst()
			.orElseThrow();
		// The test pod (a hook, which helm template leaves out) carries these labels.
		String hook = RenderedChart.file("templates/tests/test-connection.yaml");
		assertThat(hook).contains("portal-gateway/helm-test: \"true\"").contains("portal-gateway.labels");
		assertThat(management.getFrom()).anySatisfy((peer) -> {
			assertThat(peer.getNamespaceSelector()).isNull();
			assertThat(peer.getPodSelector().getMatchLabels()).containsEntry("portal-gateway/helm-test", "true")
				.containsEntry("app.kubernetes.io/instance", "gw");
		});
	}

	@Test
	void theNetworkPolicyLetsThePodReachDnsWorkOsTheApiServerAndRedis() {
		V1NetworkPolicy local = RenderedChart
			.render("default-values.yaml", (command) -> command.set("networkPolicy.enabled", "true"))
			.one(V1NetworkPolicy.class);
		List<String> ports = new java.util.ArrayList<>();
		local.getSpec()
			.getEgress()
			.forEach((rule) -> rule.getPorts()
				.forEach((port) -> ports.add(port.getPort().getIntValue() + "/" + port.getProtocol())));
		assertThat(ports).containsExactlyInAnyOrder("53/UDP", "53/TCP", "443/TCP", "6443/TCP");
		V1NetworkPolicy redis = RenderedChart
			.render("redis-values.yaml",
					(command) -> command.set("networkPolicy.enabled", "true")
						.set("networkPolicy.egress.redisTo[0].namespaceSelector.matchLabels.name", "platform"))
			.one(V1NetworkPolicy.class);
		var toRedis = redis.getSpec().getEgress().get(redis.getSpec().getEgress().size() - 1);
		assertThat(toRedis.getPorts()).extracting((port) -> port.getPort().getIntValue()).containsExactly(6379, 26379);
		assertThat(toRedis.getTo().get(0).getNamespaceSelector().getMatchLabels()).containsEntry("name", "platform");
		assertThat(RenderedChart
			.render("default-values.yaml",
					(command) -> command.set("networkPolicy.enabled", "true")
						.set("networkPolicy.egress.enabled", "false"))
			.one(V1NetworkPolicy.class)
			.getSpec()
			.getPolicyTypes()).containsExactly("Ingress");
	}

	@ParameterizedTest
	@ValueSource(strings = { "replcias=3", "callers[0].intents[0]=saml", "workos.apiKey=pk_live_nope",
			"service.type=ExternalName", "logging.structuredFormat=xml", "image.pullPolicy=Sometimes",
			"callers[0].token-sha256=null", "callers[0].subject=has space", "auth.jwt.jwksUri=ftp://example.com",
			"auth.jwt.clockSkew=soon", "auth.jwt.issuer=", "auth.jwt.enable=true", "callers[0].organizations[0]=acme",
			"callers[0].it-contact-emails=allowed", "callers[0].it-contact-emails[0]=@example.com",
			"callers[0].weight=0", "callers[0].weight=1001", "callers[0].max-links=0",
			"redis.sentinel.nodes[0]=no-port", "redis.sentinel.master=gw", "redis.cluster.nodes[0]=no-port",
			"redis.cluster.maxRedirects=0" })
	void rejectsValuesThatBreakTheSchema(String set) {
		String[] pair = set.split("=", 2);
		assertThatException().isThrownBy(
				() -> RenderedChart.render("existing-secret-values.yaml", (command) -> command.set(pair[0], pair[1])))
			.withMessageContaining("values don't meet the specifications of the schema");
	}

	@Test
	void theModelCheckRejectsATypoInAManifest() {
		String typo = "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"x\"},"
				+ "\"spec\":{\"replcias\":2,\"selector\":{},\"template\":{}}}";
		assertThatException()
			.isThrownBy(() -> new io.kubernetes.client.openapi.JSON().deserialize(typo, V1Deployment.class))
			.withMessageContaining("replcias");
	}

	@Test
	void hasAHelmTestPodThatCallsReadiness() throws IOException {
		// helm template leaves hooks out; the hook is checked where it is written.
		String hook = Files.readString(RenderedChart.CHART.resolve("templates/tests/test-connection.yaml"));
		assertThat(hook).contains("\"helm.sh/hook\": test", "/actuator/health/readiness", "runAsNonRoot: true",
				"portal-gateway.metricsServiceName", "portal-gateway.imageReference", ".Values.tests.image");
		// Its image is pinned by digest (which wins over the tag), through the mirror if
		// there is one.
		Map<String, Object> image = values("tests", "image");
		assertThat(image).containsEntry("repository", "docker.io/library/busybox").containsEntry("tag", "1.36.1");
		assertThat((String) image.get("digest")).matches("sha256:[0-9a-f]{64}");
	}

	@Test
	void exposesActuatorOnlyOnAClusterIpServiceOfItsOwn() {
		for (String values : List.of("default-values.yaml", "extensions-values.yaml", "all-features-values.yaml")) {
			RenderedChart chart = RenderedChart.render(values);
			// The callers' Service (a LoadBalancer with extensions-values) has the API
			// only.
			assertThat(chart.named(V1Service.class, "gw-portal-gateway").getSpec().getPorts())
				.extracting("name", "targetPort.strValue")
				.containsExactly(org.assertj.core.groups.Tuple.tuple("http", "http"));
			V1Service metrics = chart.named(V1Service.class, "gw-portal-gateway-metrics");
			assertThat(metrics.getSpec().getType()).isEqualTo("ClusterIP");
			assertThat(metrics.getSpec().getPorts()).extracting("name", "port", "targetPort.strValue")
				.containsExactly(org.assertj.core.groups.Tuple.tuple("management", 8081, "management"));
			assertThat(metrics.getMetadata().getLabels()).containsEntry("app.kubernetes.io/component", "metrics")
				.containsEntry("portal-gateway/job", "gw-portal-gateway");
		}
		// The ServiceMonitor picks the metrics Service alone, and keeps Prometheus' job
		// the release's fullname, which the alerts select on.
		RenderedChart chart = RenderedChart.render("all-features-values.yaml");
		Map<String, Object> monitor = chart.customResources.stream()
			.filter((resource) -> "ServiceMonitor".equals(resource.get("kind")))
			.findFirst()
			.orElseThrow();
		@SuppressWarnings("unchecked")
		Map<String, Object> spec = (Map<String, Object>) monitor.get("spec");
		assertThat(spec).containsEntry("jobLabel", "portal-gateway/job");
		@SuppressWarnings("unchecked")
		Map<String, String> selector = (Map<String, String>) ((Map<String, Object>) spec.get("selector"))
			.get("matchLabels");
		assertThat(chart.all(V1Service.class))
			.filteredOn((service) -> service.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
			.extracting((service) -> service.getMetadata().getName())
			.containsExactly("gw-portal-gateway-metrics");
		assertThat(chart.manifest).contains("job=\"gw-portal-gateway\"");
	}

	@Test
	void rendersEveryTuningKnobWhereItBelongs() {
		RenderedChart chart = RenderedChart.render("tuning-values.yaml");
		V1PodSpec pod = chart.pod();
		V1Container gateway = chart.container();
		assertThat(javaToolOptions(chart)).endsWith("-XX:MaxDirectMemorySize=96m -XX:ActiveProcessorCount=2");
		assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(45L);
		assertThat(gateway.getLifecycle().getPreStop().getExec().getCommand()).containsExactly("sleep", "10");
		assertThat(chart.config().getData().values())
			.anySatisfy((file) -> assertThat(file).contains("timeout-per-shutdown-phase: \"25s\""));
		assertThat(List.of(gateway.getStartupProbe(), gateway.getLivenessProbe(), gateway.getReadinessProbe()))
			.extracting("periodSeconds", "timeoutSeconds", "failureThreshold")
			.containsExactly(org.assertj.core.groups.Tuple.tuple(3, 4, 100),
					org.assertj.core.groups.Tuple.tuple(15, 3, 4), org.assertj.core.groups.Tuple.tuple(5, 3, 2));
		assertThat(chart.one(V1Deployment.class).getSpec().getTemplate().getMetadata()).satisfies(
				(metadata) -> assertThat(metadata.getAnnotations()).containsEntry("sidecar.istio.io/inject", "false"))
			.satisfies((metadata) -> assertThat(metadata.getLabels()).containsEntry("cost-center", "identity"));
		assertThat(chart.named(V1Service.class, "gw-portal-gateway-metrics").getSpec().getPorts().get(0).getPort())
			.isEqualTo(9464);
		assertThat(chart.customResources).filteredOn((resource) -> "ServiceMonitor".equals(resource.get("kind")))
			.singleElement()
			.satisfies((monitor) -> assertThat(monitor.toString()).contains("interval=15s", "scrapeTimeout=5s",
					"regex=jvm_buffer_.*"));
		V1NetworkPolicy policy = chart.one(V1NetworkPolicy.class);
		assertThat(policy.getSpec().getIngress().get(1).getFrom().get(0).getPodSelector().getMatchLabels())
			.containsEntry("app.kubernetes.io/name", "traefik");
		// Egress: Redis's port to the Redis CIDR only, both API server ports, the extra
		// rule.
		List<String> egress = policy.getSpec().getEgress().stream().map(Object::toString).toList();
		assertThat(egress).anySatisfy((rule) -> assertThat(rule).contains("cidr: 10.20.0.0/16", "port: 6380"))
			.anySatisfy((rule) -> assertThat(rule).contains("port: 443", "port: 6443"))
			.anySatisfy((rule) -> assertThat(rule).contains("cidr: 10.30.0.10/32", "port: 3128"));
		assertThat(env(chart, "SPRING_DATA_REDIS_PORT").getValue()).isEqualTo("6380");
		assertThat(env(chart, "SPRING_DATA_REDIS_PASSWORD").getValueFrom().getSecretKeyRef().getKey())
			.isEqualTo("password");
	}

	/** A section of the chart's values.yaml, as written. */
	@SuppressWarnings("unchecked")
	private static Map<String, Object> values(String... path) {
		Map<String, Object> section = new org.yaml.snakeyaml.Yaml().load(RenderedChart.file("values.yaml"));
		for (String key : path) {
			section = (Map<String, Object>) section.get(key);
		}
		return section;
	}

	private static void assertProbe(V1Probe probe, String path) {
		assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
		assertThat(probe.getHttpGet().getPort().getStrValue()).isEqualTo("management");
	}

	private static V1EnvVar env(RenderedChart chart, String name) {
		List<V1EnvVar> env = chart.container().getEnv();
		return env.stream().filter((variable) -> variable.getName().equals(name)).findFirst().orElseThrow();
	}

	/** The properties the chart's ConfigMap gives Spring. */
	private static Binder binder(RenderedChart chart) throws IOException {
		String yaml = chart.config().getData().get("portal-gateway.yaml");
		StandardEnvironment environment = new StandardEnvironment();
		new YamlPropertySourceLoader().load("configmap", new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)))
			.forEach(environment.getPropertySources()::addFirst);
		return new Binder(ConfigurationPropertySources.get(environment));
	}

	private static String checksum(RenderedChart chart) {
		return chart.one(V1Deployment.class)
			.getSpec()
			.getTemplate()
			.getMetadata()
			.getAnnotations()
			.get("checksum/config");
	}

}
