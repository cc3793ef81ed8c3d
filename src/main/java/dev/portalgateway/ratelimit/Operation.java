package dev.portalgateway.ratelimit;

/**
 * The WorkOS operations the gateway calls; each has its own quota per API key.
 */
public enum Operation {

	PORTAL_LINKS, PROVIDER_ICONS;

	/**
	 * The name used in limiter names, metric tags and logs, e.g. {@code portal_links}.
	 */
	public String tag() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}

}
