package dev.portalgateway;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's Quick start: the local runner starts the emulator, prints a demo token and
 * a curl command, and that command gets a link.
 */
@ExtendWith(OutputCaptureExtension.class)
class LocalPortalGatewayTests {

	@Test
	void quickStartGivesALinkFromTheEmulator(CapturedOutput output) throws Exception {
		try (ConfigurableApplicationContext context = LocalPortalGateway.start(
				new String[] { "--server.port=0", "--management.server.port=0" }, Map.of(), OwnNettyResources.class)) {
			String printed = ConsoleLines.flushed(output).getOut();
			Matcher token = Pattern.compile("Demo caller token: (demo_[A-Za-z0-9_-]+)").matcher(printed);
			assertThat(token.find()).as("printed token").isTrue();
			String port = context.getEnvironment().getProperty("local.server.port");
			Matcher curl = Pattern.compile("-d '(\\{.*\\})'").matcher(printed);
			assertThat(curl.find()).as("printed curl").isTrue();
			assertThat(printed).contains("curl -i -X POST http://localhost:" + port + "/v1/portal-links");
			WebTestClient client = WebTestClient.bindToServer()
				.baseUrl("http://localhost:" + port)
				.responseTimeout(Duration.ofSeconds(15))
				.build();
			client.post()
				.uri("/v1/portal-links")
				.headers((headers) -> headers.setBearerAuth(token.group(1)))
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(curl.group(1))
				.exchange()
				.expectStatus()
				.isCreated()
				.expectBody()
				.jsonPath("$.link")
				.value(String.class,
						(link) -> assertThat(link).matches("https://setup\\.workos\\.com/\\?token=\\w{32}"));
			client.post()
				.uri("/v1/portal-links")
				.headers((headers) -> headers.setBearerAuth(token.group(1)))
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue("{\"organization\":\"" + WorkOsEmulator.UNKNOWN_ORGANIZATION + "\",\"intent\":\"dsync\"}")
				.exchange()
				.expectStatus()
				.isNotFound();
			client.get()
				.uri("/v1/provider-icons/OktaSAML")
				.headers((headers) -> headers.setBearerAuth(token.group(1)))
				.exchange()
				.expectStatus()
				.isOk();
		}
	}

}
