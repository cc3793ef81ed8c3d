package dev.portalgateway.providericon;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long the provider icon list is served from memory, under {@code gateway.icons}.
 *
 * @param refreshAfter after this, the next read triggers one background refresh and is
 * answered with the current list at once
 * @param maxStale how long the list is kept while refreshes fail; after that, callers get
 * 503 until the source answers again
 */
@ConfigurationProperties("gateway.icons")
public record IconCacheProperties(@DefaultValue("10m") Duration refreshAfter, @DefaultValue("24h") Duration maxStale) {

	public IconCacheProperties {
		if (refreshAfter.toSeconds() < 1) {
			throw new IllegalArgumentException("gateway.icons.refresh-after must be at least 1s");
		}
		if (maxStale.compareTo(refreshAfter) < 0) {
			throw new IllegalArgumentException("gateway.icons.max-stale must not be shorter than refresh-after");
		}
	}

}
