package dev.portalgateway.deploy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import tools.jackson.databind.json.JsonMapper;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

/**
 * Just enough of a Kubernetes API server (over WireMock) for Helm to upgrade a release of
 * the chart: discovery for the kinds the chart renders, the release Helm stored, the
 * objects that run, and it accepts every write, so that a test can read what Helm sent
 * (the patches of an upgrade). Namespace {@code identity}, release {@code gw}.
 */
final class FakeKubernetesApi implements AutoCloseable {

	static final String NAMESPACE = "identity";

	static final String RELEASE = "gw";

	private static final JsonMapper json = JsonMapper.builder().build();

	private final WireMockServer server = new WireMockServer(WireMockConfiguration.wireMockConfig().dynamicPort());

	FakeKubernetesApi() {
		this.server.start();
		// Anything not stubbed below does not exist; writes are accepted as sent.
		this.server.stubFor(any(anyUrl()).atPriority(10)
			.willReturn(aResponse().withStatus(404)
				.withHeader("Content-Type", "application/json")
				.withBody(
						"{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404}")));
		for (var write : List.of(post(anyUrl()).willReturn(echo(201)), put(anyUrl()).willReturn(echo(200)))) {
			this.server.stubFor(write.atPriority(5));
		}
		// Helm writes its release Secrets as protobuf, which cannot be echoed as JSON.
		String stored = "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"sh.helm.release.v1\",\"namespace\":\""
				+ NAMESPACE + "\"}}";
		this.server.stubFor(post(urlPathMatching("/api/v1/namespaces/[^/]+/secrets")).atPriority(4)
			.willReturn(okJson(stored).withStatus(201)));
		this.server.stubFor(
				put(urlPathMatching("/api/v1/namespaces/[^/]+/secrets/.*")).atPriority(4).willReturn(okJson(stored)));
		stub("/version", "{\"major\":\"1\",\"minor\":\"30\",\"gitVersion\":\"v1.30.0\",\"platform\":\"linux/amd64\"}");
		stub("/api", "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":[]}");
		Map<String, List<String>> kinds = Map.of("v1",
				List.of("Service:services", "ConfigMap:configmaps", "Secret:secrets", "ServiceAccount:serviceaccounts",
						"Pod:pods"),
				"apps/v1", List.of("Deployment:deployments"), "policy/v1",
				List.of("PodDisruptionBudget:poddisruptionbudgets"), "autoscaling/v2",
				List.of("HorizontalPodAutoscaler:horizontalpodautoscalers"), "networking.k8s.io/v1",
				List.of("NetworkPolicy:networkpolicies", "Ingress:ingresses"));
		StringBuilder groups = new StringBuilder();
		kinds.forEach((groupVersion, resources) -> {
			StringBuilder list = new StringBuilder();
			for (String resource : resources) {
				String[] kindAndName = resource.split(":");
				list.append((list.length() > 0) ? "," : "")
					.append("{\"name\":\"" + kindAndName[1] + "\",\"singularName\":\"\",\"namespaced\":true,\"kind\":\""
							+ kindAndName[0]
							+ "\",\"verbs\":[\"create\",\"delete\",\"get\",\"list\",\"patch\",\"update\"]}");
			}
			stub(groupVersion.equals("v1") ? "/api/v1" : "/apis/" + groupVersion,
					"{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\"" + groupVersion
							+ "\",\"resources\":[" + list + "]}");
			if (groupVersion.contains("/")) {
				String version = "{\"groupVersion\":\"" + groupVersion + "\",\"version\":\""
						+ groupVersion.substring(groupVersion.indexOf('/') + 1) + "\"}";
				groups.append((groups.length() > 0) ? "," : "")
					.append("{\"name\":\"" + groupVersion.substring(0, groupVersion.indexOf('/')) + "\",\"versions\":["
							+ version + "],\"preferredVersion\":" + version + "}");
			}
		});
		stub("/apis", "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[" + groups + "]}");
	}

	/** A kubeconfig for this server. */
	String kubeconfig() {
		return """
				apiVersion: v1
				kind: Config
				clusters:
				- name: fake
				  cluster:
				    server: %s
				contexts:
				- name: fake
				  context:
				    cluster: fake
				    namespace: %s
				current-context: fake
				users: []
				""".formatted(this.server.baseUrl(), NAMESPACE);
	}

	/**
	 * Revision 1 of the release, deployed with this manifest and these values, as Helm's
	 * Secret storage holds it.
	 */
	void deployedRelease(String manifest, Map<String, Object> values) {
		String release = json.writeValueAsString(Map.of("name", RELEASE, "namespace", NAMESPACE, "version", 1, "info",
				Map.of("status", "deployed", "description", "Install complete", "first_deployed",
						"2026-11-01T00:00:00Z", "last_deployed", "2026-11-01T00:00:00Z"),
				"chart", Map.of("metadata", Map.of("name", "portal-gateway", "version", "0.1.0", "apiVersion", "v2")),
				"config", values, "manifest", manifest));
		// Helm's encoding (base64 of the JSON), inside a Secret's data (base64 again).
		String data = base64(base64(release));
		String secret = "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"type\":\"helm.sh/release.v1\",\"metadata\":{\"name\":"
				+ "\"sh.helm.release.v1." + RELEASE + ".v1\",\"namespace\":\"" + NAMESPACE
				+ "\",\"labels\":{\"name\":\"" + RELEASE
				+ "\",\"owner\":\"helm\",\"status\":\"deployed\",\"version\":\"1\"}},\"data\":{\"release\":\"" + data
				+ "\"}}";
		stub("/api/v1/namespaces/" + NAMESPACE + "/secrets",
				"{\"apiVersion\":\"v1\",\"kind\":\"SecretList\",\"metadata\":{},\"items\":[" + secret + "]}");
		stub("/api/v1/namespaces/" + NAMESPACE + "/secrets/sh.helm.release.v1." + RELEASE + ".v1", secret);
	}

	/**
	 * An object that runs, at its API path (from {@code /apis} or {@code /api}); patches
	 * of it are accepted and answered with it.
	 */
	void running(String path, String object) {
		stub(path, object);
		this.server.stubFor(patch(urlPathEqualTo(path)).willReturn(okJson(object)));
	}

	/** The bodies of the patches Helm sent to this path. */
	List<String> patches(String path) {
		return this.server.findAll(patchRequestedFor(urlPathMatching(path)))
			.stream()
			.map(LoggedRequest::getBodyAsString)
			.toList();
	}

	/** Every request, one per line, for a failure message. */
	String requests() {
		StringBuilder all = new StringBuilder();
		this.server.getAllServeEvents()
			.forEach((event) -> all.append(event.getRequest().getMethod())
				.append(' ')
				.append(event.getRequest().getUrl())
				.append(' ')
				.append(event.getRequest().getHeader("Content-Type"))
				.append(" -> ")
				.append(event.getResponse().getStatus())
				.append('\n'));
		return all.toString();
	}

	private void stub(String path, String body) {
		this.server.stubFor(get(urlPathEqualTo(path)).willReturn(okJson(body)));
	}

	private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder echo(int status) {
		return aResponse().withStatus(status)
			.withHeader("Content-Type", "application/json")
			.withBody("{{{request.body}}}")
			.withTransformers("response-template");
	}

	private static String base64(String text) {
		return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
	}

	@Override
	public void close() {
		this.server.stop();
	}

}
