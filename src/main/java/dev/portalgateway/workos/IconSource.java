package dev.portalgateway.workos;

import java.net.URI;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * Where the provider icon list comes from ({@code gateway.icons.base-url} and
 * {@code .path}, bound with the cache's settings in {@code providericon.IconProperties}).
 * The path is only described by the original request, not by WorkOS's spec or SDKs, so
 * both parts are configurable; the checks live here, with the client that carries the
 * WorkOS key.
 *
 * @param baseUrl the icon source; null for the WorkOS base URL. The WorkOS key is sent
 * only when this is the WorkOS base URL, never to another host (such as a CDN)
 * @param path the path of the list under the base URL
 */
public record IconSource(@Nullable URI baseUrl, String path) {

	/** Segments of unreserved characters, none of them . or .. . */
	private static final Pattern PLAIN_PATH = Pattern.compile("(/(?!\\.{1,2}(?:/|$))[A-Za-z0-9._~-]+)+");

	public IconSource {
		if (baseUrl != null && (!baseUrl.isAbsolute() || baseUrl.getHost() == null)) {
			throw new IllegalArgumentException("gateway.icons.base-url must be an absolute http(s) URL");
		}
		if (!PLAIN_PATH.matcher(path).matches()) {
			// Anything else could make the icon client, which carries the WorkOS key,
			// call another host (//host/x) or another path (..).
			throw new IllegalArgumentException("gateway.icons.path must be a plain absolute path such as "
					+ "/portal/provider_icons: no //, no . or .. segments, no scheme, query or fragment");
		}
	}

}
