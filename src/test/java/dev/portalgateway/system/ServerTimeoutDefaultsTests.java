package dev.portalgateway.system;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerConfig;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server timeouts the gateway runs with at its defaults (60 s idle, 10 s between body
 * reads, 30 s for a body): how they are applied, and the body timeouts doing their work
 * at the defaults under {@link SlowClientTests}' loads (which shorten them to 1 s and 2
 * s). Waiting 60 s for an idle socket to close is not a test to run on every build.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "gateway.workos.base-url=http://127.0.0.1:9" })
class ServerTimeoutDefaultsTests {

	@org.springframework.test.context.DynamicPropertySource
	static void properties(org.springframework.test.context.DynamicPropertyRegistry registry) {
		dev.portalgateway.TestCallers.register(registry);
	}

	@org.springframework.boot.test.web.server.LocalServerPort
	int port;

	@Test
	void aBodyThatStopsArrivingIsGivenUpAfterTenSecondsAtTheDefault() throws java.io.IOException {
		// SlowClientTests' load at the default read timeout (10 s): a real-time wait, but
		// the one place the default itself is shown doing its work.
		SlowClientTests.assertGivenUpWithin(this.port, Duration.ofMillis(9500), Duration.ofSeconds(15));
	}

	@Test
	void aBodyThatTricklesInIsGivenUpAfterThirtySecondsAtTheDefault() throws java.io.IOException {
		// SlowClientTests' trickling body at the default request timeout (30 s): a
		// real-time wait, the one place that default is shown doing its work.
		SlowClientTests.assertTrickleGivenUpWithin(this.port, Duration.ofMillis(29500), Duration.ofSeconds(36));
	}

	@Autowired
	NettyReactiveWebServerFactory factory;

	@Test
	void theServerWaitsSixtySecondsForARequestTenBetweenBodyReadsAndThirtyForABody() {
		HttpServer server = HttpServer.create();
		for (NettyServerCustomizer customizer : this.factory.getServerCustomizers()) {
			server = customizer.apply(server);
		}
		HttpServerConfig config = server.configuration();
		assertThat(config.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
		// Both body timeouts are the gateway's own filter, not Reactor Netty's: its
		// request timeout's per-request task outlived every request answered at once,
		// its read timeout added and removed a handler on every request, bodies or not.
		assertThat(config.readTimeout()).isNull();
		assertThat(config.requestTimeout()).isNull();
		assertThat(this.context.getBean("requestBodyDeadline"))
			.isInstanceOfSatisfying(ServerTimeouts.BodyDeadline.class, (deadline) -> {
				assertThat(deadline.pause()).isEqualTo(Duration.ofSeconds(10));
				assertThat(deadline.deadline()).isEqualTo(Duration.ofSeconds(30));
			});
	}

	@Autowired
	org.springframework.context.ApplicationContext context;

}
