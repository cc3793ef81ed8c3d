package dev.portalgateway.providericon;

import java.net.URI;
import java.time.Duration;

import dev.portalgateway.workos.IconSource;
import dev.portalgateway.workos.WorkOsApi;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The provider icon list, under {@code gateway.icons}: where it comes from and how long
 * it is served from memory.
 *
 * @param baseUrl the icon source; default the WorkOS base URL. The WorkOS key is sent
 * only when this is the WorkOS base URL, never to another host (such as a CDN)
 * @param path the path of the list under the base URL
 * @param refreshAfter after this, the next read triggers one background refresh and is
 * answered with the current list at once
 * @param maxStale how long the list is kept while refreshes fail; after that, callers get
 * 503 until the source answers again
 */
@ConfigurationProperties("gateway.icons")
public record IconProperties(@Nullable URI baseUrl, @DefaultValue(WorkOsApi.PROVIDER_ICONS_PATH) String path,
		@DefaultValue("10m") Duration refreshAfter, @DefaultValue("24h") Duration maxStale) {

	public IconProperties {
		new IconSource(baseUrl, path); // its checks, each naming its property
		if (refreshAfter.toSeconds() < 1) {
			throw new IllegalArgumentException("gateway.icons.refresh-after must be at least 1s");
		}
		if (maxStale.compareTo(refreshAfter) < 0) {
			throw new IllegalArgumentException("gateway.icons.max-stale must not be shorter than refresh-after");
		}
	}

	/** Where the list comes from, for the WorkOS client. */
	public IconSource source() {
		return new IconSource(this.baseUrl, this.path);
	}

}
