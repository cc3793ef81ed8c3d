package dev.portalgateway.system;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.portalgateway.ConsoleLines;
import dev.portalgateway.ManualTicker;
import dev.portalgateway.OpenApiContract;
import dev.portalgateway.StubbedWorkOs;
import dev.portalgateway.TestCallers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests HTTP itself cannot read (headers or request line over the limits, malformed
 * syntax, a target that is not a URI) get a problem like any other, over plain sockets at
 * the default limits: Reactor Netty and WebFlux alone answer them with an empty body.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "management.server.port=0")
@Import(ManualTicker.InContext.class)
@StubbedWorkOs
class MalformedRequestTests {

	/** A request id the gateway made (a UUID). */
	private static final String NEW_ID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

	private static final String AUTHORIZATION = "Authorization: Bearer " + TestCallers.BILLING_TOKEN + "\r\n";

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@Autowired
	JsonMapper mapper;

	@Autowired
	ManualTicker ticker;

	@Autowired
	MalformedRequests malformedRequests;

	@Test
	void headersOverTheLimitAre431NamingTheHeadersAndTheLimit(CapturedOutput output) throws IOException {
		startAFreshLogInterval();
		// Boot's default limit, 8 KiB for all the headers: a JWT with many claims.
		String request = "GET /v1/provider-icons HTTP/1.1\r\nHost: localhost\r\n" + AUTHORIZATION
				+ "X-Request-Id: sent-before-the-overflow\r\nX-Claims: " + "c".repeat(9 * 1024) + "\r\n\r\n";
		Answer answer = send(request);
		assertThat(answer.statusLine()).isEqualTo("HTTP/1.1 431 Request Header Fields Too Large");
		assertProblem(answer, "headers_too_large", "headers");
		// Headers HTTP could not read are not taken at their word: a new id.
		assertThat(answer.requestId()).matches(NEW_ID);
		assertThat(answer.body().get("errors").get(0).get("message").asString()).contains("8192 bytes");
		assertThat(answer.head()).containsIgnoringCase("connection: close");
		// The caller's token is not echoed anywhere.
		assertThat(answer.raw()).doesNotContain(TestCallers.BILLING_TOKEN);
		// One line with the id the caller was given, in place of Reactor Netty's warning.
		String requestId = answer.body().get("request_id").asString();
		assertThat(ConsoleLines.flushed(output).getAll().lines().filter((line) -> line.contains(requestId)))
			.singleElement()
			.asString()
			.contains("Refused a request HTTP could not read: 431 headers_too_large (TooLongHttpHeaderException")
			.contains("request_id=" + requestId)
			.doesNotContain(TestCallers.BILLING_TOKEN);
		assertThat(output.getAll()).doesNotContain("Decoding failed");
	}

	@Test
	void aFloodFromOneAddressIsOneLineAndASummaryPerMinute(CapturedOutput output) throws IOException {
		startAFreshLogInterval();
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			Answer answer = send("GET /v1/provider-icons HTTP/1.1\r\nHost: localhost\r\nBad Header: " + i + "\r\n\r\n");
			// Every one is answered in full; only the log is summarised.
			assertProblem(answer, "invalid_request", "request");
			ids.add(answer.requestId());
		}
		String log = ConsoleLines.flushed(output).getAll();
		assertThat(ids).filteredOn((id) -> log.contains("request_id=" + id)).containsExactly(ids.get(0));
		this.ticker.advance(Duration.ofMinutes(1));
		this.malformedRequests.writeEndedSummaries();
		assertThat(ConsoleLines.flushed(output).getAll())
			.contains("Refused 5 more requests HTTP could not read from client=127.0.0.1 in the last PT1M");
	}

	@Test
	void aRequestLineOverTheLimitIs414NamingTheUri() throws IOException {
		Answer answer = send("GET /v1/provider-icons?provider=" + "p".repeat(5000) + " HTTP/1.1\r\nHost: localhost\r\n"
				+ AUTHORIZATION + "\r\n");
		assertThat(answer.statusLine()).startsWith("HTTP/1.1 414 ");
		assertProblem(answer, "uri_too_long", "uri");
		assertThat(answer.body().get("errors").get(0).get("message").asString()).contains("4096 bytes");
	}

	@Test
	void malformedHttpIs400InvalidRequest() throws IOException {
		for (String request : new String[] {
				// A header name with a space.
				"GET /v1/provider-icons HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n",
				// Both framings at once (request smuggling).
				"POST /v1/portal-links HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
						+ "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
				"POST /v1/portal-links HTTP/1.1\r\nHost: localhost\r\nContent-Length: five\r\n\r\n" }) {
			Answer answer = send(request);
			assertThat(answer.statusLine()).as(request).isEqualTo("HTTP/1.1 400 Bad Request");
			assertProblem(answer, "invalid_request", "request");
		}
	}

	@Test
	void aMalformedChunkOfABodyBeingReadIs400AndNoServerError(CapturedOutput output) throws IOException {
		// The head is fine, so the route is reading the body when the bad chunk arrives;
		// Reactor Netty answers 400 itself, and the route's own problem has nowhere to
		// go.
		startAFreshLogInterval();
		for (int i = 0; i < 5; i++) {
			Answer answer = send("POST /v1/portal-links HTTP/1.1\r\nHost: localhost\r\n" + AUTHORIZATION
					+ "X-Request-Id: broken-chunk-" + i + "\r\n"
					+ "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
					+ "5\r\n{\"org\r\nzz\r\nxx\r\n0\r\n\r\n");
			assertThat(answer.statusLine()).isEqualTo("HTTP/1.1 400 Bad Request");
			assertProblem(answer, "invalid_request", "request");
			// The caller's own id, as on any other answer: the 400, the INFO line and
			// the request's audit line share it.
			assertThat(answer.requestId()).isEqualTo("broken-chunk-" + i);
		}
		String log = ConsoleLines.flushed(output).getAll();
		assertThat(log).doesNotContain("500 Server Error")
			.doesNotContain("Status and headers already sent")
			.doesNotContain(" ERROR ");
		assertThat(log.lines().filter((line) -> line.contains("broken-chunk-0")))
			.anySatisfy((line) -> assertThat(line).contains("Refused a request HTTP could not read: 400"))
			.anySatisfy((line) -> assertThat(line).contains("outcome=invalid_request"));
		// The next four from the same address in the same minute: their audit lines
		// only.
		assertThat(log.lines().filter((line) -> line.contains("broken-chunk-4"))).singleElement()
			.asString()
			.contains("outcome=invalid_request");
	}

	@Test
	void aMalformedChunkWithoutACallerIdIsAnsweredWithTheIdItsAuditLineCarries(CapturedOutput output)
			throws IOException {
		startAFreshLogInterval();
		Answer answer = send("POST /v1/portal-links HTTP/1.1\r\nHost: localhost\r\n" + AUTHORIZATION
				+ "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
				+ "5\r\n{\"org\r\nzz\r\nxx\r\n0\r\n\r\n");
		assertProblem(answer, "invalid_request", "request");
		// The id the gateway gave the request (no caller id), not a second one made for
		// the 400: the answer, its INFO line and the audit line share it.
		String requestId = answer.requestId();
		assertThat(requestId).matches(NEW_ID);
		String log = ConsoleLines.flushed(output).getAll();
		assertThat(log.lines().filter((line) -> line.contains(requestId)))
			.anySatisfy((line) -> assertThat(line).contains("Refused a request HTTP could not read: 400"))
			.anySatisfy((line) -> assertThat(line).contains("outcome=invalid_request"));
	}

	@Test
	void aTargetThatIsNotAUriIs400NamingTheUriAndTheConnectionStaysUsable() throws IOException {
		try (Socket socket = socket()) {
			write(socket, "GET /v1/provider-icons/%zz HTTP/1.1\r\nHost: localhost\r\n" + AUTHORIZATION
					+ "X-Request-Id: callers-own.id:1\r\n\r\n");
			Answer answer = readOne(socket.getInputStream());
			assertThat(answer.statusLine()).isEqualTo("HTTP/1.1 400 Bad Request");
			assertProblem(answer, "invalid_request", "uri");
			// The head was read: the caller's well-formed id is the answer's, as on
			// every other answer.
			assertThat(answer.requestId()).isEqualTo("callers-own.id:1");
			// One that is not well formed is replaced, as RequestIds does.
			write(socket, "GET /v1/provider-icons/%zz HTTP/1.1\r\nHost: localhost\r\n" + AUTHORIZATION
					+ "X-Request-Id: <script>\r\n\r\n");
			Answer replaced = readOne(socket.getInputStream());
			assertProblem(replaced, "invalid_request", "uri");
			assertThat(replaced.requestId()).matches(NEW_ID);
			assertThat(replaced.raw()).doesNotContain("<script>");
			// The next request on the connection is read and answered as usual.
			write(socket, "GET /v1/no-such-thing HTTP/1.1\r\nHost: localhost\r\n" + AUTHORIZATION + "\r\n");
			Answer next = readOne(socket.getInputStream());
			assertThat(next.statusLine()).isEqualTo("HTTP/1.1 404 Not Found");
			assertThat(next.body().get("code").asString()).isEqualTo("not_found");
		}
	}

	@Test
	void anAnswerToHeadHasNoBodyAndTheNextAnswerIsReadIntact() throws IOException {
		try (Socket socket = socket()) {
			write(socket,
					"HEAD /v1/provider-icons/%zz HTTP/1.1\r\nHost: localhost\r\n" + AUTHORIZATION
							+ "X-Request-Id: the-head\r\n\r\n" + "GET /v1/no-such-thing HTTP/1.1\r\nHost: localhost\r\n"
							+ AUTHORIZATION + "X-Request-Id: the-next\r\n\r\n");
			InputStream in = socket.getInputStream();
			String head = readHead(in);
			// Each answer carries its own request's id, with the next request already
			// sent.
			assertThat(head).startsWith("HTTP/1.1 400").containsIgnoringCase("x-request-id: the-head");
			// No body follows: the next bytes are the next answer's status line.
			Answer next = readOne(in);
			assertThat(next.statusLine()).isEqualTo("HTTP/1.1 404 Not Found");
			assertThat(next.requestId()).isEqualTo("the-next");
		}
	}

	@Test
	void theManagementPortAnswersWithTheSameProblems() throws IOException {
		// Its server is built by the management context, with that context's
		// customizers: a probe or a scraper sending a broken request gets the same.
		try (Socket socket = new Socket("localhost", this.managementPort)) {
			socket.setSoTimeout(5000);
			write(socket, "GET /actuator/health HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + "p".repeat(9 * 1024)
					+ "\r\n\r\n");
			Answer answer = readOne(socket.getInputStream());
			assertThat(answer.statusLine()).isEqualTo("HTTP/1.1 431 Request Header Fields Too Large");
			assertProblem(answer, "headers_too_large", "headers");
		}
		try (Socket socket = new Socket("localhost", this.managementPort)) {
			socket.setSoTimeout(5000);
			write(socket, "GET /actuator/%zz HTTP/1.1\r\nHost: localhost\r\n\r\n");
			assertProblem(readOne(socket.getInputStream()), "invalid_request", "uri");
		}
	}

	/**
	 * Ends the log interval under way, so that the next malformed request from this
	 * address is logged in full whatever the tests before did.
	 */
	private void startAFreshLogInterval() {
		this.ticker.advance(Duration.ofMinutes(1));
		this.malformedRequests.writeEndedSummaries();
	}

	private void assertProblem(Answer answer, String code, String field) {
		assertThat(answer.head()).containsIgnoringCase("content-type: application/problem+json")
			.containsIgnoringCase("cache-control: no-store");
		JsonNode body = answer.body();
		OpenApiContract.assertBodyMatches("Problem", answer.text().getBytes(StandardCharsets.UTF_8));
		assertThat(body.get("code").asString()).isEqualTo(code);
		assertThat(body.get("type").asString()).isEqualTo("urn:portal-gateway:problem:" + code);
		assertThat(body.get("status").asInt()).isEqualTo(Integer.parseInt(answer.statusLine().split(" ")[1]));
		assertThat(body.get("title").asString()).isNotBlank();
		assertThat(body.get("errors").get(0).get("field").asString()).isEqualTo(field);
		String requestId = answer.requestId();
		assertThat(requestId).matches("[A-Za-z0-9._:-]{1,128}");
		assertThat(answer.head()).containsIgnoringCase("x-request-id: " + requestId);
	}

	private Answer send(String request) throws IOException {
		try (Socket socket = socket()) {
			write(socket, request);
			return readOne(socket.getInputStream());
		}
	}

	private Socket socket() throws IOException {
		Socket socket = new Socket("localhost", this.port);
		socket.setSoTimeout(5000);
		return socket;
	}

	private static void write(Socket socket, String request) throws IOException {
		socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
		socket.getOutputStream().flush();
	}

	/** One answer: its head, then as many bytes as its Content-Length says. */
	private Answer readOne(InputStream in) throws IOException {
		String head = readHead(in);
		int length = head.lines()
			.filter((line) -> line.toLowerCase().startsWith("content-length:"))
			.map((line) -> Integer.parseInt(line.substring(line.indexOf(':') + 1).strip()))
			.findFirst()
			.orElse(0);
		byte[] body = in.readNBytes(length);
		return new Answer(head, new String(body, StandardCharsets.UTF_8), this.mapper);
	}

	private static String readHead(InputStream in) throws IOException {
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
			int next = in.read();
			assertThat(next).as("the answer's head ended early: " + head).isNotNegative();
			head.write(next);
		}
		return head.toString(StandardCharsets.US_ASCII);
	}

	private record Answer(String head, String text, JsonMapper mapper) {

		String statusLine() {
			return this.head.lines().findFirst().orElse("");
		}

		JsonNode body() {
			assertThat(this.text).as("problem body").isNotEmpty();
			return this.mapper.readTree(this.text);
		}

		String requestId() {
			return body().get("request_id").asString();
		}

		String raw() {
			return this.head + this.text;
		}

	}

}
