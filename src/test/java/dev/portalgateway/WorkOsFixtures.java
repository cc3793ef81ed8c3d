package dev.portalgateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

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
