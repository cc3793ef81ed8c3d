package dev.portalgateway.providericon;

import java.util.HexFormat;
import java.util.List;

import dev.portalgateway.system.Sha256;
import dev.portalgateway.workos.ProviderIcon;
import tools.jackson.databind.json.JsonMapper;

/**
 * One fetched icon list, ready to serve: the icons, their JSON (serialized once, not per
 * request), a strong ETag of that JSON, and when it was fetched.
 *
 * @param icons the icons, in the source's order
 * @param json the list as the response body
 * @param etag quoted hash of {@code json}
 * @param fetchedAtNanos ticker time of the fetch, for the {@code Age} header
 */
record IconList(List<ProviderIcon> icons, byte[] json, String etag, long fetchedAtNanos) {

	static IconList of(List<ProviderIcon> icons, JsonMapper mapper, long fetchedAtNanos) {
		byte[] json = mapper.writeValueAsBytes(icons);
		return new IconList(icons, json, etagOf(json), fetchedAtNanos);
	}

	static String etagOf(byte[] json) {
		// 16 bytes of SHA-256 are plenty to tell lists apart.
		return "\"" + HexFormat.of().formatHex(Sha256.of(json), 0, 16) + "\"";
	}

	/**
	 * The icons of this provider (normally one; matching is exact, as WorkOS names are).
	 */
	List<ProviderIcon> of(String provider) {
		return this.icons.stream().filter((icon) -> icon.provider().equals(provider)).toList();
	}

}
