package dev.portalgateway.portallink;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The answer to a successful link request.
 *
 * @param link the one-time Admin Portal URL; a bearer credential for the organization
 * @param expiresAt when the link stops working, ISO-8601 UTC
 * @param organization the organization the link configures
 * @param intent the portal section it opens
 */
record PortalLinkResponse(String link, @JsonProperty("expires_at") String expiresAt, String organization,
		String intent) {

	@Override
	public String toString() {
		return "PortalLinkResponse[link=****, expiresAt=" + this.expiresAt + ", organization=" + this.organization
				+ ", intent=" + this.intent + "]";
	}

}
