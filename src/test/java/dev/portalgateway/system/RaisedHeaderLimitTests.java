package dev.portalgateway.system;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import dev.portalgateway.StubbedWorkOs;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's advice for callers with large tokens: raising
 * {@code server.max-http-request-header-size} lets larger headers through, and the 431
 * beyond it names the raised limit ({@link MalformedRequestTests} has the defaults).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "server.max-http-request-header-size=16KB" })
@StubbedWorkOs
class RaisedHeaderLimitTests {

	@LocalServerPort
	int port;

	@Test
	void headersUpToTheRaisedLimitAreReadAndTheProblemBeyondItNamesIt() throws IOException {
		// 9 KiB: over the default, under the raised limit; read, then refused for its
		// token.
		assertThat(statusAndBody(9 * 1024)).startsWith("HTTP/1.1 401");
		assertThat(statusAndBody(17 * 1024)).startsWith("HTTP/1.1 431")
			.contains("\"code\":\"headers_too_large\"")
			.contains("at most 16384 bytes");
	}

	private String statusAndBody(int headerBytes) throws IOException {
		try (Socket socket = new Socket("localhost", this.port)) {
			socket.setSoTimeout(5000);
			socket.getOutputStream()
				.write(("GET /v1/provider-icons HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Claims: "
						+ "c".repeat(headerBytes) + "\r\n\r\n")
					.getBytes(StandardCharsets.US_ASCII));
			InputStream in = socket.getInputStream();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

}
