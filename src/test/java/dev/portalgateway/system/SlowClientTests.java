package dev.portalgateway.system;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.portalgateway.StubbedWorkOs;
import dev.portalgateway.TestCallers;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Slow and silent clients are not held for ever: a connection that sends nothing is
 * closed after {@code server.netty.idle-timeout}, and a request body that stops arriving
 * after {@code gateway.server.read-timeout}, and one that trickles in after
 * {@code gateway.server.request-timeout}. They are shortened here to 1 s and 2 s so the
 * test does not wait 60 s, 10 s and 30 s; {@link ServerTimeoutDefaultsTests} shows the
 * defaults the gateway's server runs with otherwise. A timed-out body is answered 408
 * {@code request_timeout}, and the connection closed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = { "management.server.port=0",
		// 1 s and 2 s instead of the defaults 60 s, 10 s and 30 s, so the tests do not
		// wait
		// that long; ServerTimeoutDefaultsTests sends the same slow bodies at the
		// defaults.
		"server.netty.idle-timeout=1s", "gateway.server.read-timeout=1s", "gateway.server.request-timeout=2s" })
@StubbedWorkOs
class SlowClientTests {

	@Autowired
	WireMockServer workOs;

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

	@Test
	void aBodyThatTricklesInIsGivenUpAfterTheRequestTimeout() throws IOException {
		assertTrickleGivenUpWithin(this.port, Duration.ofMillis(1900), Duration.ofSeconds(5));
	}

	/**
	 * Sends a link request whose body trickles in, a byte every 90 ms (never a pause of
	 * the read timeout), and checks the gateway gives up on it between {@code least} and
	 * {@code most}, before the whole body arrived: nothing, or a 408.
	 */
	static void assertTrickleGivenUpWithin(int port, Duration least, Duration most) throws IOException {
		int length = (int) (most.toMillis() / 90) + 100;
		try (Socket socket = new Socket("127.0.0.1", port)) {
			OutputStream out = socket.getOutputStream();
			out.write(("POST /v1/portal-links HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
					+ TestCallers.BILLING_TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: " + length
					+ "\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
			long start = System.nanoTime();
			socket.setSoTimeout(90);
			java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
			int sent = 0;
			boolean closed = false;
			while (!closed && sent < length && Duration.ofNanos(System.nanoTime() - start).compareTo(most) < 0) {
				try {
					out.write(' ');
					out.flush();
					sent++;
				}
				catch (IOException gone) {
					break;
				}
				try {
					int next = socket.getInputStream().read();
					if (next < 0) {
						closed = true;
					}
					else {
						answer.write(next);
						answer.write(socket.getInputStream().readNBytes(socket.getInputStream().available()));
					}
				}
				catch (java.net.SocketTimeoutException stillWaiting) {
					// 90 ms passed with no answer: send the next byte.
				}
				catch (java.net.SocketException reset) {
					// Closed with bytes of ours unread: the kernel resets the connection.
					closed = true;
				}
			}
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(least, most);
			assertThat(sent).as("bytes sent before the gateway gave up").isLessThan(length);
			assertThat(answer.toString(StandardCharsets.US_ASCII)).as("nothing but, at most, a 408")
				.satisfiesAnyOf((text) -> assertThat(text).isEmpty(),
						(text) -> assertThat(text).startsWith("HTTP/1.1 408"));
		}
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
