package dev.portalgateway.system;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.portalgateway.StubbedWorkOs;
import dev.portalgateway.TestCallers;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.netty.resources.ConnectionProvider;
import reactor.test.StepVerifier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A caller keeps its connection open across requests, including after an answer the
 * gateway gave without reading the request's body (401, 415, 413, a bad header): the next
 * request on that connection is answered, not left hanging.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "management.server.port=0")
@StubbedWorkOs
class KeepAliveTests {

	@Autowired
	WireMockServer workOs;

	@LocalServerPort
	int port;

	@Test
	void answersEveryRequestOnOneConnectionAfterBodiesItDidNotRead() {
		ConnectionProvider one = ConnectionProvider.create("one-connection", 1);
		WebClient client = TestCallers.webClient(this.port, one);
		workOs.stubFor(post("/portal/generate_link").willReturn(aResponse().withStatus(201)
			.withHeader("Content-Type", "application/json")
			.withBody(WorkOsFixtures.read("generate_link-201.json"))));
		String body = "{\"organization\":\"org_01H1234567890ABCDEFGHIJK\",\"intent\":\"sso\"}";
		// In turn: 401 (body never read; 429 once the address's failure budget of 20 is
		// spent, also without reading it), 400 for a bad header (body never read), 201.
		Flux<Integer> statuses = Flux.range(0, 90)
			.concatMap((i) -> client.post().uri("/portal/generate_link").headers((headers) -> {
				if (i % 3 != 0) {
					headers.setBearerAuth(TestCallers.BILLING_TOKEN);
				}
				if (i % 3 == 1) {
					headers.set("Idempotency-Key", "k".repeat(300));
				}
			})
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(body)
				.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value()))
				.timeout(Duration.ofSeconds(3)));
		StepVerifier.create(statuses.collectList())
			.expectNextMatches((list) -> list.size() == 90
					&& list.stream().allMatch((s) -> s == 401 || s == 429 || s == 400 || s == 201)
					&& list.stream().filter((s) -> s == 201).count() == 30)
			.expectComplete()
			.verify(Duration.ofSeconds(120));
		one.dispose();
	}

	/**
	 * The next request arrives before the gateway has finished with the one before (here
	 * made certain by sending both at once): Reactor Netty holds it until the first is
	 * done. Reactor Netty 1.3.6 then stopped reading the connection once the held request
	 * was answered at once, and the third request waited for the caller's timeout
	 * (reactor-netty issue 4361; three unanswered 15 s requests in CI runs).
	 */
	@Test
	void answersTheRequestAfterOneThatArrivedWhileTheFirstWasInFlight() throws IOException {
		workOs.stubFor(post("/portal/generate_link").willReturn(aResponse().withStatus(201)
			.withFixedDelay(50)
			.withHeader("Content-Type", "application/json")
			.withBody(WorkOsFixtures.read("generate_link-201.json"))));
		WorkOsFixtures.stubIcons(workOs);
		List<Integer> statuses = new ArrayList<>();
		for (int connection = 0; connection < 5; connection++) {
			try (Socket socket = new Socket("127.0.0.1", this.port)) {
				socket.setSoTimeout(5000);
				socket.getOutputStream().write((link() + icons()).getBytes(StandardCharsets.US_ASCII));
				statuses.add(answer(socket.getInputStream()));
				statuses.add(answer(socket.getInputStream()));
				for (int next = 0; next < 3; next++) {
					socket.getOutputStream().write(icons().getBytes(StandardCharsets.US_ASCII));
					statuses.add(answer(socket.getInputStream()));
				}
			}
		}
		assertThat(statuses).hasSize(25).containsOnly(201, 200);
	}

	private static String link() {
		String body = "{\"organization\":\"org_01H1234567890ABCDEFGHIJK\",\"intent\":\"sso\"}";
		return "POST /v1/portal-links HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TestCallers.BILLING_TOKEN
				+ "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
	}

	private static String icons() {
		return "GET /v1/provider-icons HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
				+ TestCallers.AUDITOR_TOKEN + "\r\n\r\n";
	}

	private static final Pattern STATUS = Pattern.compile("^HTTP/1\\.1 (\\d{3})");

	private static final Pattern LENGTH = Pattern.compile("(?im)^content-length: *(\\d+)");

	/** Reads one whole answer (headers and a Content-Length body): its status. */
	private static int answer(InputStream in) throws IOException {
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		try {
			while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
				int next = in.read();
				if (next < 0) {
					throw new IOException("The gateway closed the connection after: " + head);
				}
				head.write(next);
			}
		}
		catch (SocketTimeoutException ex) {
			throw new AssertionError("No answer within 5 s on a kept-alive connection", ex);
		}
		String headers = head.toString(StandardCharsets.ISO_8859_1);
		Matcher length = LENGTH.matcher(headers);
		assertThat(length.find()).as("Content-Length in %s", headers).isTrue();
		in.readNBytes(Integer.parseInt(length.group(1)));
		Matcher status = STATUS.matcher(headers);
		assertThat(status.find()).as("a status line in %s", headers).isTrue();
		return Integer.parseInt(status.group(1));
	}

}
