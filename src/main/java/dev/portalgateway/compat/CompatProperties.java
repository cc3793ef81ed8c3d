package dev.portalgateway.compat;

import java.time.Duration;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The WorkOS-compatible API, under {@code gateway.compat}.
 *
 * @param enabled whether to serve it (default true)
 * @param pathPrefix a path before WorkOS's paths, for SDKs whose base URL may carry one
 * (default none: {@code /portal/generate_link})
 * @param retryDeadline how long the gateway retries WorkOS for one request on this API
 * (default 2 s): the SDKs retry by themselves, so a long budget here would multiply with
 * theirs
 */
@ConfigurationProperties("gateway.compat")
public record CompatProperties(@DefaultValue("true") boolean enabled, @Nullable String pathPrefix,
		@DefaultValue("2s") Duration retryDeadline) {

	private static final Pattern PREFIX = Pattern.compile("(/[A-Za-z0-9._~-]+)*");

	public CompatProperties {
		// No prefix is the empty string (a @DefaultValue of "" binds as none).
		pathPrefix = (pathPrefix != null) ? pathPrefix : "";
		if (!PREFIX.matcher(pathPrefix).matches()) {
			throw new IllegalArgumentException("gateway.compat.path-prefix must be empty or like /workos "
					+ "(segments of letters, digits, '.', '_', '~' or '-'; no trailing slash)");
		}
		if (pathPrefix.equals("/v1") || pathPrefix.startsWith("/v1/") || pathPrefix.startsWith("/actuator")) {
			throw new IllegalArgumentException("gateway.compat.path-prefix must not overlap /v1 or /actuator");
		}
		if (retryDeadline.toMillis() < 1) {
			throw new IllegalArgumentException("gateway.compat.retry-deadline must be at least 1ms");
		}
	}

}
