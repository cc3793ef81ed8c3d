package dev.portalgateway.ratelimit;

import java.util.ArrayList;
import java.util.List;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.portalgateway.Await;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.AfterEach;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several gateway replicas on one Redis topology, and callers of them: for the tests of
 * the shared budget. Subclasses start the replicas ({@link #replicas}) and say how to
 * stop their Redis; the replicas stop first.
 */
abstract class ReplicaFleet {

	final List<ConfigurableApplicationContext> replicas = new ArrayList<>();

	private final ConnectionProvider connections = ConnectionProvider.builder("callers").maxConnections(40).build();

	private final WebClient client = WebClient.builder()
		.clientConnector(new ReactorClientHttpConnector(HttpClient.create(this.connections)))
		.build();

	/** Stops the Redis the replicas ran on. */
	abstract void stopRedis();

	@AfterEach
	void stopFleet() {
		this.replicas.forEach(ConfigurableApplicationContext::close);
		this.connections.dispose();
		stopRedis();
	}

	/**
	 * Starts three replicas with {@code start} (given its settings): each with the
	 * {@link Failover#callers() three callers}, {@code expected-replicas} 3 and
	 * {@code settings}.
	 */
	void startThree(java.util.function.Function<String[], ConfigurableApplicationContext> start, String... settings) {
		for (int i = 0; i < 3; i++) {
			List<String> args = new ArrayList<>(Failover.callers());
			args.add("--gateway.rate-limit.expected-replicas=3");
			args.addAll(List.of(settings));
			this.replicas.add(start.apply(args.toArray(String[]::new)));
		}
	}

	/**
	 * 60 link requests from 30 concurrent callers spread over the replicas, none
	 * degraded: each gets 201 or 429, and WorkOS sees between {@code limit} − 2 and
	 * {@code limit} calls.
	 */
	void assertSixtyRequestsShareOneBudget(WireMockExtension workOs, int limit) {
		assertThat(this.replicas)
			.allSatisfy((replica) -> assertThat(replica.getBean(SharedQuotaStore.class).isDegraded()).isFalse());
		List<Integer> statuses = Await.value(Flux.range(0, 60)
			.flatMap((i) -> link(Failover.TOKENS.get(i % 3), i % this.replicas.size()), 30)
			.collectList());
		assertThat(statuses).containsOnly(201, 429);
		assertThat(WorkOsFixtures.linkRequests(workOs)).hasSizeBetween(limit - 2, limit);
	}

	/** WorkOS answers every link request 201. */
	static void workOsCreatesLinks(WireMockExtension workOs) {
		WorkOsFixtures.stubLinks(workOs,
				aResponse().withStatus(201)
					.withHeader("Content-Type", "application/json")
					.withBody(WorkOsFixtures.read("generate_link-201.json")));
	}

	/** One link request with this bearer token to this replica: its status. */
	Mono<Integer> link(String token, int replica) {
		String port = this.replicas.get(replica).getEnvironment().getProperty("local.server.port");
		return this.client.post()
			.uri("http://127.0.0.1:" + port + "/v1/portal-links")
			.headers((headers) -> headers.setBearerAuth(token))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"organization\":\"org_01H1234567890ABCDEFGHIJK\",\"intent\":\"sso\"}")
			.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value()));
	}

	/** A replica's management port, for its actuator. */
	String managementPort(int replica) {
		return this.replicas.get(replica).getEnvironment().getProperty("local.management.port");
	}

	/** A replica's {@code /actuator/health}, as JSON. */
	String health(int replica) {
		return Await.value(this.client.get()
			.uri("http://127.0.0.1:" + managementPort(replica) + "/actuator/health")
			.exchangeToMono((response) -> response.bodyToMono(String.class)));
	}

	WebClient client() {
		return this.client;
	}

}
