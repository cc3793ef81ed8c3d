package dev.portalgateway.workos;

import java.net.URI;
import java.time.Duration;

import dev.portalgateway.system.SecureUrls;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the gateway reaches WorkOS.
 *
 * @param apiKey the WorkOS secret key ({@code WORKOS_API_KEY}); masked wherever it is
 * printed
 * @param baseUrl the WorkOS API base URL ({@code WORKOS_BASE_URL}), without a trailing
 * slash
 * @param connectTimeout how long to wait for a TCP connection to WorkOS
 * @param responseTimeout how long to wait for WorkOS to answer once the request is sent
 * @param maxConnections the most connections open to WorkOS at once; further calls queue
 * for one (up to ten times this many, for at most the connect timeout)
 * @param allowInsecureBaseUrl allow a plain {@code http} base URL to a host other than
 * this machine, which would send the WorkOS key in clear: for test rigs only
 */
@ConfigurationProperties("gateway.workos")
public record WorkOsProperties(ApiKey apiKey, @DefaultValue("https://api.workos.com") URI baseUrl,
		@DefaultValue("2s") Duration connectTimeout, @DefaultValue("5s") Duration responseTimeout,
		@DefaultValue("50") int maxConnections, boolean allowInsecureBaseUrl) {

	public WorkOsProperties {
		if (apiKey == null) {
			throw new IllegalArgumentException(
					"gateway.workos.api-key is required: set WORKOS_API_KEY (or gateway.workos.api-key)");
		}
		if (baseUrl != null && (!baseUrl.isAbsolute() || baseUrl.getHost() == null
				|| !("https".equals(baseUrl.getScheme()) || "http".equals(baseUrl.getScheme())))) {
			throw new IllegalArgumentException(
					"gateway.workos.base-url must be an absolute http(s) URL such as https://api.workos.com");
		}
		if (baseUrl != null) {
			SecureUrls.requireHttps(baseUrl, "gateway.workos.base-url", "gateway.workos.allow-insecure-base-url",
					allowInsecureBaseUrl);
		}
		requirePositive("gateway.workos.connect-timeout", connectTimeout);
		requirePositive("gateway.workos.response-timeout", responseTimeout);
		if (maxConnections < 1) {
			throw new IllegalArgumentException("gateway.workos.max-connections must be at least 1");
		}
	}

	private static void requirePositive(String property, Duration timeout) {
		if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
			throw new IllegalArgumentException(property + " must be positive");
		}
	}

}
