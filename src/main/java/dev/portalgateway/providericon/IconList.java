package dev.portalgateway.providericon;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import dev.portalgateway.system.Sha256;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.databind.JsonNode;
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

	private static final Log logger = LogFactory.getLog(IconList.class);

	/** The usable icons of a list as the source sent it (see {@link #read}). */
	static IconList of(JsonNode list, JsonMapper mapper, long fetchedAtNanos) {
		return of(read(list), mapper, fetchedAtNanos);
	}

	static IconList of(List<ProviderIcon> icons, JsonMapper mapper, long fetchedAtNanos) {
		byte[] json = mapper.writeValueAsBytes(icons);
		return new IconList(icons, json, etagOf(json), fetchedAtNanos);
	}

	static String etagOf(byte[] json) {
		// 16 bytes of SHA-256 are plenty to tell lists apart.
		return "\"" + HexFormat.of().formatHex(Sha256.of(json), 0, 16) + "\"";
	}

	/**
	 * The usable items of an icon list: each needs a provider and an https URL, under
	 * {@code icon_url} or (as some sources spell it) {@code icon}. Others are skipped.
	 */
	static List<ProviderIcon> read(JsonNode list) {
		List<ProviderIcon> icons = new ArrayList<>(list.size());
		int skipped = 0;
		for (JsonNode item : list) {
			JsonNode provider = item.get("provider");
			JsonNode url = item.has("icon_url") ? item.get("icon_url") : item.get("icon");
			if (provider != null && provider.isString() && !provider.stringValue().isBlank() && url != null
					&& url.isString() && url.stringValue().startsWith("https://")) {
				icons.add(new ProviderIcon(provider.stringValue(), url.stringValue()));
			}
			else {
				skipped++;
			}
		}
		if (skipped > 0) {
			logger.warn("Skipped " + skipped + " provider icon(s) without a provider or an https URL");
		}
		return List.copyOf(icons);
	}

	/**
	 * The icons of this provider (normally one; matching is exact, as WorkOS names are).
	 */
	List<ProviderIcon> of(String provider) {
		return this.icons.stream().filter((icon) -> icon.provider().equals(provider)).toList();
	}

}
