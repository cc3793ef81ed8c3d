package dev.portalgateway.deploy;

import java.util.List;
import java.util.Map;

import com.marcnuri.helm.Helm;
import io.kubernetes.client.openapi.models.V1Deployment;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code helm upgrade} of a running release, against a {@link FakeKubernetesApi}: what
 * Helm sends to Kubernetes, not only what the chart renders.
 */
class HelmUpgradeTests {

	private static final String DEPLOYMENT = "/apis/apps/v1/namespaces/identity/deployments/gw-portal-gateway";

	private static final JsonMapper json = JsonMapper.builder().build();

	@Test
	void turningTheAutoscalerOnKeepsThePodsThatRun() {
		try (FakeKubernetesApi api = new FakeKubernetesApi()) {
			// Revision 1: four fixed replicas, and four run.
			deployed(api, false, 4);
			upgradeToTheAutoscaler(api);
			// The count stays: without it, Helm's patch would remove the field
			// (replicas: null) and Kubernetes would run one pod until the HPA reacts.
			assertThat(replicasPatched(api)).isEqualTo("unchanged");
		}
	}

	@Test
	void anUpgradeUnderTheAutoscalerLeavesItsCountAlone() {
		try (FakeKubernetesApi api = new FakeKubernetesApi()) {
			// Revision 1 switched the HPA on with four pods; it has scaled to seven
			// since.
			deployed(api, true, 7);
			upgradeToTheAutoscaler(api);
			assertThat(replicasPatched(api)).isEqualTo("unchanged");
		}
	}

	/**
	 * Revision 1 as deployed: the chart with the HPA on or off (four replicas when off);
	 * {@code running} pods run now.
	 */
	private static void deployed(FakeKubernetesApi api, boolean autoscaling, int running) {
		RenderedChart revision1 = RenderedChart.render("hpa-values.yaml",
				(command) -> command.set("autoscaling.enabled", Boolean.toString(autoscaling))
					.set("replicaCount", "4"));
		if (autoscaling) {
			// What the first upgrade with the HPA rendered: the four that ran then.
			revision1 = new RenderedChart(revision1.manifest.replace("spec:\n  revisionHistoryLimit",
					"spec:\n  replicas: 4\n  revisionHistoryLimit"));
		}
		api.deployedRelease(revision1.manifest,
				Map.of("autoscaling", Map.of("enabled", autoscaling), "replicaCount", 4));
		V1Deployment live = revision1.one(V1Deployment.class);
		live.getSpec().setReplicas(running);
		api.running(DEPLOYMENT, new io.kubernetes.client.openapi.JSON().serialize(live));
	}

	private static void upgradeToTheAutoscaler(FakeKubernetesApi api) {
		com.marcnuri.helm.UpgradeCommand upgrade = new Helm(RenderedChart.CHART).upgrade()
			.withName(FakeKubernetesApi.RELEASE)
			.withNamespace(FakeKubernetesApi.NAMESPACE)
			.withValuesFile(RenderedChart.CHART.resolve("ci").resolve("hpa-values.yaml"))
			.withKubeConfigContents(api.kubeconfig())
			.disableOpenApiValidation();
		try {
			upgrade.call();
		}
		catch (RuntimeException ex) {
			throw new AssertionError("helm upgrade failed; the API server saw:\n" + api.requests(), ex);
		}
	}

	/**
	 * What the upgrade's patch of the Deployment did to {@code spec.replicas}: its new
	 * value ({@code null} for removed), or {@code unchanged}.
	 */
	private static String replicasPatched(FakeKubernetesApi api) {
		List<String> patches = api.patches(DEPLOYMENT);
		assertThat(patches).as("patches of the Deployment").hasSize(1);
		JsonNode spec = json.readTree(patches.get(0)).path("spec");
		return spec.has("replicas") ? spec.get("replicas").toString() : "unchanged";
	}

}
