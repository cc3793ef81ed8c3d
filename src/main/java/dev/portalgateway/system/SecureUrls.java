package dev.portalgateway.system;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * Where the gateway sends a secret (the WorkOS key, its own service-account token), the
 * URL must be {@code https}: plain {@code http} only to this machine ({@code localhost},
 * {@code 127.0.0.1}, {@code [::1]}: emulators, tests, a local proxy), or when a property
 * says so explicitly.
 */
public final class SecureUrls {

	private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]");

	private SecureUrls() {
	}

	/**
	 * Whether a URL's host is this machine: {@code localhost}, {@code 127.0.0.1},
	 * {@code [::1]}.
	 */
	public static boolean isLoopback(URI url) {
		String host = (url.getHost() != null) ? url.getHost().toLowerCase(Locale.ROOT) : "";
		return LOOPBACK.contains(host);
	}

	/**
	 * Fails with a message naming {@code property} (never the URL) unless the URL is
	 * https, or http to a loopback host, or http explicitly allowed.
	 * @param url an absolute http(s) URL
	 * @param property the property that set it, e.g. {@code gateway.workos.base-url}
	 * @param allowInsecureProperty the property that allows plain http anyway
	 * @param insecureAllowed its value
	 */
	public static void requireHttps(URI url, String property, String allowInsecureProperty, boolean insecureAllowed) {
		if ("https".equals(url.getScheme()) || insecureAllowed) {
			return;
		}
		if (!isLoopback(url)) {
			throw new IllegalArgumentException(property + " must be https (plain http only to localhost, 127.0.0.1 or "
					+ "[::1], or with " + allowInsecureProperty + "=true)");
		}
	}

}
