package dev.portalgateway;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

/**
 * A stand-in for WorkOS on localhost, built on WireMock, for running the gateway without
 * a real key: {@code POST /portal/generate_link} issues fresh fake links; organization
 * {@code org_missing} is unknown; {@code GET /portal/provider_icons} lists a few icons;
 * any key but {@link #API_KEY} is refused.
 */
public final class WorkOsEmulator implements AutoCloseable {

	/** The key the emulator accepts; obviously not a real one. */
	public static final String API_KEY = "sk_test_emulator0000000000000000";

	public static final String UNKNOWN_ORGANIZATION = "org_missing";

	private final WireMockServer server;

	private WorkOsEmulator(WireMockServer server) {
		this.server = server;
	}

	public static WorkOsEmulator start(int port) {
		WireMockServer server = new WireMockServer(WireMockConfiguration.options().port(port).disableRequestJournal());
		server.start();
		String json = "application/json";
		server.stubFor(post(urlPathEqualTo("/portal/generate_link")).atPriority(10)
			.willReturn(aResponse().withStatus(401)
				.withHeader("Content-Type", json)
				.withBody(WorkOsFixtures.read("generate_link-401.json"))));
		server.stubFor(post(urlPathEqualTo("/portal/generate_link")).atPriority(5)
			.withHeader("Authorization", equalTo("Bearer " + API_KEY))
			.willReturn(aResponse().withStatus(201)
				.withHeader("Content-Type", json)
				.withHeader("X-Request-ID", "req_emu_{{randomValue length=16 type='ALPHANUMERIC'}}")
				.withBody(
						"{\"link\":\"https://setup.workos.com/?token={{randomValue length=32 type='ALPHANUMERIC'}}\"}")
				.withTransformers("response-template")));
		server.stubFor(post(urlPathEqualTo("/portal/generate_link")).atPriority(1)
			.withHeader("Authorization", equalTo("Bearer " + API_KEY))
			.withRequestBody(matchingJsonPath("$.organization", equalTo(UNKNOWN_ORGANIZATION)))
			.willReturn(aResponse().withStatus(404)
				.withHeader("Content-Type", json)
				.withBody("{\"message\":\"Organization not found: '" + UNKNOWN_ORGANIZATION
						+ "'.\",\"code\":\"entity_not_found\"}")));
		server.stubFor(
				get(urlPathEqualTo("/portal/provider_icons")).withHeader("Authorization", equalTo("Bearer " + API_KEY))
					.willReturn(aResponse().withStatus(200)
						.withHeader("Content-Type", json)
						.withBody(WorkOsFixtures.read("provider_icons-200.json"))));
		return new WorkOsEmulator(server);
	}

	public String baseUrl() {
		return this.server.baseUrl();
	}

	@Override
	public void close() {
		this.server.stop();
	}

}
