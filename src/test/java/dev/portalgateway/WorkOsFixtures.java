package dev.portalgateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.junit.Stubbing;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.portalgateway.workos.WorkOsApi;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

/**
 * Recorded WorkOS payloads under {@code src/test/resources/workos/}, shaped like WorkOS's
 * published OpenAPI spec and error pages.
 */
public final class WorkOsFixtures {

	/**
	 * The link inside {@code generate_link-201.json}; tests assert it never reaches a
	 * log.
	 */
	public static final String RECORDED_LINK = "https://setup.workos.com/?token=Z1uX3RbwcIl5fIGJJJCXXisdIAtopSecretLinkToken";

	private WorkOsFixtures() {
	}

	/** WireMock playing WorkOS on a free port, for {@code @RegisterExtension}. */
	public static WireMockExtension workOs() {
		return WireMockExtension.newInstance().options(WireMockConfiguration.wireMockConfig().dynamicPort()).build();
	}

	/**
	 * Makes WorkOS answer every {@code POST /portal/generate_link} with {@code response}.
	 */
	public static void stubLinks(Stubbing workOs, ResponseDefinitionBuilder response) {
		workOs.stubFor(post(WorkOsApi.GENERATE_LINK_PATH).willReturn(response));
	}

	/**
	 * Makes WorkOS answer {@code GET /portal/provider_icons} with the recorded icon list.
	 */
	public static void stubIcons(Stubbing workOs) {
		workOs.stubFor(get(WorkOsApi.PROVIDER_ICONS_PATH).willReturn(json(200, "provider_icons-200.json")));
	}

	/**
	 * A recorded answer as WorkOS sends it: JSON, with its request id
	 * ({@code req_upstream_1}).
	 */
	public static ResponseDefinitionBuilder json(int status, String fixture) {
		return aResponse().withStatus(status)
			.withHeader("Content-Type", "application/json")
			.withHeader("X-Request-ID", "req_upstream_1")
			.withBody(read(fixture));
	}

	/** The link requests WorkOS received, oldest first. */
	public static List<LoggedRequest> linkRequests(Stubbing workOs) {
		return workOs.findAll(postRequestedFor(urlEqualTo(WorkOsApi.GENERATE_LINK_PATH)));
	}

	public static String read(String name) {
		try (InputStream in = WorkOsFixtures.class.getResourceAsStream("/workos/" + name)) {
			if (in == null) {
				throw new IllegalArgumentException("No fixture workos/" + name);
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
