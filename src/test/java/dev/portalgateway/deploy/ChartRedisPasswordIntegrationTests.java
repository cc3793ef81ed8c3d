package dev.portalgateway.deploy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import dev.portalgateway.OwnNettyResources;
import dev.portalgateway.Poll;
import dev.portalgateway.PortalGatewayApplication;
import dev.portalgateway.RedisProcess;
import dev.portalgateway.TestCallers;
import dev.portalgateway.ratelimit.SharedQuotaStore;
import io.kubernetes.client.openapi.models.V1EnvVar;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart's Redis settings reach a running gateway intact: a password with {@code #%?@}
 * (cloud Redis auth tokens allow them), which a {@code redis://} URL would break, and an
 * ACL user, both from the variables the chart renders, logging in to a real Redis that
 * refuses everyone else (its {@code default} user is off).
 */
class ChartRedisPasswordIntegrationTests {

	@Test
	void aPasswordWithUrlCharactersLogsTheGatewayInToItsRedis() {
		try (RedisProcess redis = RedisProcess.start(new RedisProcess.Setup(null, true), false)) {
			RenderedChart chart = RenderedChart.render("redis-values.yaml",
					(command) -> command.set("redis.host", "127.0.0.1")
						.set("redis.port", Integer.toString(redis.port()))
						.set("redis.tls", "false")
						.set("redis.username", RedisProcess.Setup.USER));
			// What the kubelet does: each variable as rendered, the password from the
			// Secret the chart names (the operator's Secret holds it as is).
			Map<String, Object> variables = new HashMap<>();
			for (V1EnvVar variable : chart.container().getEnv()) {
				if (variable.getName().startsWith("SPRING_DATA_REDIS")
						|| variable.getName().startsWith("GATEWAY_RATE")) {
					if (variable.getValueFrom() != null) {
						assertThat(variable.getValueFrom().getSecretKeyRef().getName()).isEqualTo("platform-redis");
						variables.put(variable.getName(), RedisProcess.Setup.PASSWORD);
					}
					else {
						variables.put(variable.getName(), variable.getValue());
					}
				}
			}
			assertThat(variables).containsKeys("SPRING_DATA_REDIS_PASSWORD", "SPRING_DATA_REDIS_USERNAME",
					"GATEWAY_RATE_LIMIT_STORE");
			try (ConfigurableApplicationContext gateway = start(variables)) {
				SharedQuotaStore store = gateway.getBean(SharedQuotaStore.class);
				Poll.until(Duration.ofSeconds(10), () -> !store.isDegraded(),
						() -> "The gateway did not log in to its Redis:\n" + redis.log());
				assertThat(redis.commands().keys("*:replicas")).hasSize(1);
			}
		}
	}

	/** The gateway, with these variables as its process environment. */
	private static ConfigurableApplicationContext start(Map<String, Object> variables) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, new SystemEnvironmentPropertySource(
					StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
		return new SpringApplicationBuilder(PortalGatewayApplication.class, OwnNettyResources.class)
			.web(WebApplicationType.REACTIVE)
			.environment(environment)
			.run("--server.port=0", "--management.server.port=0", "--gateway.workos.base-url=http://127.0.0.1:9",
					"--gateway.workos.api-key=" + TestCallers.API_KEY);
	}

}
