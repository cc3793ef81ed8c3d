package dev.portalgateway.system;

import java.util.List;

import dev.portalgateway.ConsoleLines;
import dev.portalgateway.TestCallers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * In containers the chart switches on Spring Boot's structured (ECS JSON) console logs;
 * each line of a request carries its request id as a field, taken from Reactor's context.
 * <p>
 * Logback is configured once per JVM, so later tests in the run may see JSON lines too:
 * log assertions elsewhere match the message, whatever the format.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "gateway.workos.base-url=http://127.0.0.1:9",
				"logging.structured.format.console=ecs" })
@ExtendWith(OutputCaptureExtension.class)
class StructuredLoggingIntegrationTests {

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestCallers.register(registry);
	}

	@LocalServerPort
	int port;

	@Test
	void writesJsonLinesThatCarryTheRequestId(CapturedOutput output) {
		TestCallers.client(this.port)
			.post()
			.uri("/v1/portal-links")
			.header("X-Request-Id", "log-line-7")
			.header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
			.headers((headers) -> headers.setBearerAuth(TestCallers.BILLING_TOKEN))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"organization\":\"org_1\",\"intent\":\"dsync\",\"return_url\":\"https://evil.example\"}")
			.exchange()
			.expectStatus()
			.isForbidden();
		JsonMapper json = JsonMapper.builder().build();
		List<JsonNode> lines = ConsoleLines.flushed(output)
			.getOut()
			.lines()
			.filter((line) -> line.startsWith("{"))
			.map(json::readTree)
			.toList();
		assertThat(lines).isNotEmpty();
		assertThat(lines).anySatisfy((line) -> {
			assertThat(line.toString()).contains("\"audit\"").contains("outcome=return_url_not_allowed");
			assertThat(line.get("request_id").stringValue()).isEqualTo("log-line-7");
			assertThat(line.toString()).contains("4bf92f3577b34da6a3ce929d0e0e4736");
			assertThat(line.get("@timestamp")).isNotNull();
		});
	}

}
