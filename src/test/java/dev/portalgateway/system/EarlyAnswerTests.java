package dev.portalgateway.system;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.portalgateway.StubbedWorkOs;
import dev.portalgateway.TestCallers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An answer the gateway gives before reading the request's body (401, 404, 405, 415)
 * reaches a caller that sent the whole body first, over a plain socket as any HTTP/1.1
 * client does: the body is read and dropped before the answer, so closing the connection
 * afterwards sends no TCP reset that would destroy the answer.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = { "management.server.port=0",
		// 100 unauthenticated requests from one address, each must be a 401; the failure
		// budget at its default (20 per 10 s, then 429, also answered early) is
		// AuthenticationCostTests'.
		"gateway.auth.failure-budget.failures=100000" })
@StubbedWorkOs
class EarlyAnswerTests {

	@Autowired
	WireMockServer workOs;

	private static final String BODY = "{\"organization\":\"org_1\",\"intent\":\"sso\",\"pad\":\""
			+ "x".repeat(12 * 1024) + "\"}";

	@LocalServerPort
	int port;

	@ParameterizedTest(name = "{0} {1} -> {4}")
	@CsvSource({ "POST, /v1/portal-links, unknown-caller-token-0001, application/json, 401, unauthorized",
			"POST, /v1/portal-links, " + TestCallers.BILLING_TOKEN + ", text/plain, 415, unsupported_media_type",
			"POST, /v1/no-such-thing, " + TestCallers.BILLING_TOKEN + ", application/json, 404, not_found",
			"PUT, /v1/portal-links, " + TestCallers.BILLING_TOKEN + ", application/json, 405, method_not_allowed" })
	void everyCallerReadsTheAnswerSentBeforeItsBody(String method, String path, String token, String contentType,
			int status, String code) throws IOException {
		List<String> missed = new ArrayList<>();
		for (int i = 0; i < 100; i++) {
			String answer = exchange(method, path, token, contentType, BODY);
			if (!answer.startsWith("HTTP/1.1 " + status) || !answer.contains("\"code\":\"" + code + "\"")) {
				missed.add(i + ": " + answer.lines().findFirst().orElse("(nothing)"));
			}
		}
		assertThat(missed).as("answers lost of 100").isEmpty();
	}

	@Test
	void aBodyOverTheDrainLimitIsNotReadButTheConnectionCloses() throws IOException {
		// Announced beyond 1 MiB: answered and closed at once, nothing read.
		try (Socket socket = new Socket("localhost", this.port)) {
			socket.setSoTimeout(5000);
			OutputStream out = socket.getOutputStream();
			out.write(
					("POST /v1/portal-links HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer unknown-caller-token-0001"
							+ "\r\nContent-Type: application/json\r\nContent-Length: " + (2 * 1024 * 1024) + "\r\n\r\n")
						.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			String answer = readAll(socket.getInputStream());
			assertThat(answer).startsWith("HTTP/1.1 401").containsIgnoringCase("connection: close");
		}
	}

	private String exchange(String method, String path, String token, String contentType, String body)
			throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		try (Socket socket = new Socket("localhost", this.port)) {
			socket.setSoTimeout(5000);
			OutputStream out = socket.getOutputStream();
			out.write((method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
					+ "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + bytes.length + "\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
			out.write(bytes);
			out.flush();
			return readAll(socket.getInputStream());
		}
		catch (IOException ex) {
			return "failed: " + ex;
		}
	}

	/**
	 * Reads until the gateway closes the connection (it answers with Connection: close).
	 */
	static String readAll(InputStream in) throws IOException {
		ByteArrayOutputStream answer = new ByteArrayOutputStream();
		byte[] buffer = new byte[8192];
		for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
			answer.write(buffer, 0, read);
		}
		return answer.toString(StandardCharsets.UTF_8);
	}

}
