package dev.portalgateway.ratelimit;

import java.util.ArrayList;
import java.util.List;

import dev.portalgateway.OwnNettyResources;
import dev.portalgateway.PortalGatewayApplication;
import dev.portalgateway.TestCallers;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One gateway replica on free ports with the Redis store, for tests that run several
 * against one Redis and one WorkOS.
 */
final class RedisReplica {

	private RedisReplica() {
	}

	/**
	 * Starts a replica on this Redis and WorkOS, with the test WorkOS key; {@code more}
	 * adds or overrides settings ({@code --name=value}), callers among them.
	 */
	static ConfigurableApplicationContext start(String redisUrl, String workOsBaseUrl, String... more) {
		List<String> args = new ArrayList<>(List.of("--spring.data.redis.url=" + redisUrl));
		args.addAll(List.of(more));
		return startWith(workOsBaseUrl, args);
	}

	/** Starts a replica over Redis with Sentinel: the master's name and the sentinels. */
	static ConfigurableApplicationContext startOverSentinel(String master, String nodes, String workOsBaseUrl,
			String... more) {
		List<String> args = new ArrayList<>(List.of("--spring.data.redis.sentinel.master=" + master,
				"--spring.data.redis.sentinel.nodes=" + nodes));
		args.addAll(List.of(more));
		return startWith(workOsBaseUrl, args);
	}

	/** Starts a replica over a Redis Cluster: some of its nodes. */
	static ConfigurableApplicationContext startOverCluster(String nodes, String workOsBaseUrl, String... more) {
		List<String> args = new ArrayList<>(List.of("--spring.data.redis.cluster.nodes=" + nodes));
		args.addAll(List.of(more));
		return startWith(workOsBaseUrl, args);
	}

	static ConfigurableApplicationContext startWith(String workOsBaseUrl, List<String> redis) {
		List<String> args = new ArrayList<>(
				List.of("--server.port=0", "--management.server.port=0", "--gateway.workos.base-url=" + workOsBaseUrl,
						"--gateway.workos.api-key=" + TestCallers.API_KEY, "--gateway.rate-limit.store=redis"));
		args.addAll(redis);
		return new SpringApplicationBuilder(PortalGatewayApplication.class, OwnNettyResources.class)
			.web(WebApplicationType.REACTIVE)
			.run(args.toArray(String[]::new));
	}

}
