package dev.portalgateway.system;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.portalgateway.TestCallers;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Slow and silent clients are not held for ever: a connection that sends nothing is
 * closed after {@code server.netty.idle-timeout}, and a request body that stops arriving
 * after {@code gateway.server.read-timeout}. Both are shortened here to 1 s so the test
 * does not wait 60 s and 10 s; {@link ServerTimeoutDefaultsTests} shows the defaults the
 * gateway's server runs with otherwise. A timed-out body is answered 408
 * {@code request_timeout}, and the connection closed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = { "management.server.port=0",
		// 1 s instead of 60 s and 10 s, so the test waits 1 s: see the class comment.
		"server.netty.idle-timeout=1s", "gateway.server.read-timeout=1s" })
class SlowClientTests {

	@RegisterExtension
	static WireMockExtension workOs = WorkOsFixtures.workOs();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("gateway.workos.base-url", workOs::baseUrl);
		TestCallers.register(registry);
	}

	@LocalServerPort
	int port;

	@Test
	void aConnectionThatSendsNothingIsClosedAfterTheIdleTimeout() throws IOException {
		try (Socket socket = new Socket("127.0.0.1", this.port)) {
			socket.setSoTimeout(10_000);
			long start = System.nanoTime();
			assertThat(socket.getInputStream().read()).as("closed by the gateway").isEqualTo(-1);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(900),
					Duration.ofSeconds(5));
		}
	}

	@Test
	void aBodyThatStopsArrivingIsGivenUpAfterTheReadTimeout() throws IOException {
		assertGivenUpWithin(this.port, Duration.ofMillis(900), Duration.ofSeconds(5));
	}

	/**
	 * Sends a link request whose body stops after its first bytes, and checks the gateway
	 * gives up on it between {@code least} and {@code most}: nothing, or a 408.
	 */
	static void assertGivenUpWithin(int port, Duration least, Duration most) throws IOException {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout((int) most.plusSeconds(5).toMillis());
			OutputStream out = socket.getOutputStream();
			out.write(("POST /v1/portal-links HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
					+ TestCallers.BILLING_TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
					+ "{\"organization\":")
				.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			long start = System.nanoTime();
			String answer = EarlyAnswerTests.readAll(socket.getInputStream());
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(least, most);
			assertThat(answer).as("nothing but, at most, a 408")
				.satisfiesAnyOf((text) -> assertThat(text).isEmpty(),
						(text) -> assertThat(text).startsWith("HTTP/1.1 408"));
		}
	}

}
