package dev.portalgateway.providericon;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An SSO provider's logo.
 *
 * @param provider the provider's name as WorkOS spells it, e.g. {@code OktaSAML}
 * @param iconUrl where the logo is
 */
public record ProviderIcon(String provider, @JsonProperty("icon_url") String iconUrl) {
}
