package dev.portalgateway.deploy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.util.ModelMapper;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart rendered by Helm (as a library, no binary, no cluster), each document
 * deserialized into the official Kubernetes model, which rejects unknown and missing
 * required fields. Custom resources (ServiceMonitor) stay plain maps.
 */
final class RenderedChart {

	static final Path CHART = Path.of("helm/portal-gateway");

	/** The oldest Kubernetes the chart supports (Chart.yaml kubeVersion). */
	static final String KUBE_VERSION = "1.25.0";

	private static final JSON json = new JSON();

	private static final JsonMapper jackson = JsonMapper.builder().build();

	final String manifest;

	final List<KubernetesObject> objects = new ArrayList<>();

	final List<Map<String, Object>> customResources = new ArrayList<>();

	RenderedChart(String manifest) {
		this.manifest = manifest;
		Yaml yaml = new Yaml(new LoaderOptions());
		for (Object document : yaml.loadAll(manifest)) {
			if (!(document instanceof Map<?, ?> map)) {
				continue;
			}
			@SuppressWarnings("unchecked")
			Map<String, Object> resource = (Map<String, Object>) map;
			String apiVersion = (String) resource.get("apiVersion");
			String kind = (String) resource.get("kind");
			Class<?> type = ModelMapper.getApiTypeClass(apiVersion, kind);
			if (type == null || apiVersion.startsWith("monitoring.coreos.com/")) {
				this.customResources.add(resource);
			}
			else {
				this.objects.add((KubernetesObject) json.deserialize(jackson.writeValueAsString(resource), type));
			}
		}
	}

	/** Renders with a file from {@code ci/} (or none), plus any {@code --set}s. */
	static RenderedChart render(String ciValues, Consumer<TemplateCommand> sets) {
		return render(ciValues, KUBE_VERSION, sets);
	}

	/** Renders as above, for this Kubernetes version. */
	static RenderedChart render(String ciValues, String kubeVersion, Consumer<TemplateCommand> sets) {
		TemplateCommand command = new Helm(CHART).template()
			.withName("gw")
			.withNamespace("identity")
			.withKubeVersion(kubeVersion);
		if (ciValues != null) {
			command.withValuesFile(CHART.resolve("ci").resolve(ciValues));
		}
		sets.accept(command);
		String manifest = command.call();
		assertThat(manifest).isNotBlank();
		return new RenderedChart(manifest);
	}

	/** A file of the chart, as written. */
	static String file(String path) {
		try {
			return java.nio.file.Files.readString(CHART.resolve(path));
		}
		catch (java.io.IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

	static RenderedChart render(String ciValues) {
		return render(ciValues, (command) -> {
		});
	}

	<T extends KubernetesObject> List<T> all(Class<T> type) {
		return this.objects.stream().filter(type::isInstance).map(type::cast).toList();
	}

	/** The object of this type with this name. */
	<T extends KubernetesObject> T named(Class<T> type, String name) {
		List<T> matches = all(type).stream().filter((object) -> name.equals(object.getMetadata().getName())).toList();
		assertThat(matches).as("rendered %s %s", type.getSimpleName(), name).hasSize(1);
		return matches.get(0);
	}

	<T extends KubernetesObject> T one(Class<T> type) {
		List<T> matches = all(type);
		assertThat(matches).as("rendered %s", type.getSimpleName()).hasSize(1);
		return matches.get(0);
	}

	/** The Deployment's pod template. */
	io.kubernetes.client.openapi.models.V1PodSpec pod() {
		return one(io.kubernetes.client.openapi.models.V1Deployment.class).getSpec().getTemplate().getSpec();
	}

	/** The gateway's container. */
	io.kubernetes.client.openapi.models.V1Container container() {
		return pod().getContainers().get(0);
	}

	/** The gateway's configuration ConfigMap (not the dashboard's). */
	io.kubernetes.client.openapi.models.V1ConfigMap config() {
		List<io.kubernetes.client.openapi.models.V1ConfigMap> maps = all(
				io.kubernetes.client.openapi.models.V1ConfigMap.class)
			.stream()
			.filter((map) -> !map.getMetadata().getName().endsWith("-dashboard"))
			.toList();
		assertThat(maps).as("the configuration ConfigMap").hasSize(1);
		return maps.get(0);
	}

	<T extends KubernetesObject> Optional<T> find(Class<T> type) {
		return all(type).stream().findFirst();
	}

}
