package dev.portalgateway.system;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.portalgateway.Poll;
import dev.portalgateway.StubbedWorkOs;
import dev.portalgateway.TestCallers;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A standard output that stops taking bytes (a full pipe: the container runtime's log
 * reader stalled) does not stall requests, whose audit lines are logged on the event
 * loops; and no line is lost: each is written once the output takes bytes again.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "management.server.port=0")
@StubbedWorkOs
class ConsoleOffTheLoopsTests {

	@Autowired
	WireMockServer workOs;

	@LocalServerPort
	int port;

	@Test
	void aConsoleThatStopsTakingLinesStallsNoRequestAndLosesNoLine() {
		WorkOsFixtures.stubLinks(this.workOs, WorkOsFixtures.json(201, "generate_link-201.json"));
		WebTestClient client = TestCallers.client(this.port).mutate().responseTimeout(Duration.ofSeconds(10)).build();
		StalledOutput stalled = new StalledOutput();
		PrintStream original = System.out;
		System.setOut(new PrintStream(stalled, true, StandardCharsets.UTF_8));
		try {
			// More requests than event loops, over a few connections each: a loop that
			// blocked on its first audit line would leave the later ones unanswered.
			IntStream.range(0, 12).forEach((i) -> link(client, "stalled-" + i));
			assertThat(stalled.writerWaiting()).as("a line waits for the stalled output").isTrue();
			stalled.resume();
			Poll.until(Duration.ofSeconds(10),
					() -> IntStream.range(0, 12)
						.allMatch((i) -> stalled.text().contains("request_id=stalled-" + i + " ")),
					() -> "Audit lines missing after the output resumed:\n" + stalled.text());
		}
		finally {
			stalled.resume();
			System.setOut(original);
		}
	}

	private static void link(WebTestClient client, String requestId) {
		client.post().uri("/v1/portal-links").headers((headers) -> {
			headers.setBearerAuth(TestCallers.BILLING_TOKEN);
			headers.set("X-Request-Id", requestId);
		})
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"organization\":\"org_01H1234567890ABCDEFGHIJK\",\"intent\":\"sso\"}")
			.exchange()
			.expectStatus()
			.isCreated();
	}

	/** An output whose writes wait until {@link #resume}, then keep what they write. */
	private static final class StalledOutput extends OutputStream {

		private final CountDownLatch resumed = new CountDownLatch(1);

		private final ByteArrayOutputStream written = new ByteArrayOutputStream();

		private volatile boolean writerWaiting;

		@Override
		public void write(int b) {
			write(new byte[] { (byte) b }, 0, 1);
		}

		@Override
		public void write(byte[] bytes, int offset, int length) {
			awaitResume();
			synchronized (this.written) {
				this.written.write(bytes, offset, length);
			}
		}

		private void awaitResume() {
			this.writerWaiting = true;
			try {
				this.resumed.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

		boolean writerWaiting() {
			return this.writerWaiting;
		}

		void resume() {
			this.resumed.countDown();
		}

		String text() {
			synchronized (this.written) {
				return this.written.toString(StandardCharsets.UTF_8);
			}
		}

	}

}
