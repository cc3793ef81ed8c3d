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
 * reads, 30 s for a body), as its web server factory applies them to Reactor Netty. What
 * they do is shown in real time by {@link SlowClientTests}, shortened to 1 s there:
 * waiting 60 s or 10 s for a socket to close is not a test to run on every build.
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
		assertThat(config.readTimeout()).isEqualTo(Duration.ofSeconds(10));
		// The body's deadline is the gateway's own filter, not Reactor Netty's request
		// timeout, whose per-request task outlived every request answered at once.
		assertThat(config.requestTimeout()).isNull();
		assertThat(this.context.getBean("requestBodyDeadline")).isInstanceOfSatisfying(
				ServerTimeouts.BodyDeadline.class,
				(deadline) -> assertThat(deadline.deadline()).isEqualTo(Duration.ofSeconds(30)));
	}

	@Autowired
	org.springframework.context.ApplicationContext context;

}
