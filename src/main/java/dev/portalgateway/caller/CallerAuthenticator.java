package dev.portalgateway.caller;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import dev.portalgateway.system.Sha256;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.stereotype.Component;

/**
 * Finds the caller a bearer token belongs to, by comparing the token's SHA-256 with each
 * configured hash in constant time. Tokens are never stored, only their hashes.
 */
@Component
class CallerAuthenticator {

	private static final Log logger = LogFactory.getLog(CallerAuthenticator.class);

	private final List<Entry> entries;

	CallerAuthenticator(CallerProperties properties) {
		this.entries = properties.callers()
			.stream()
			.map((policy) -> new Entry(HexFormat.of().parseHex(policy.tokenSha256().toLowerCase()),
					new Caller(policy.name(), policy.intents(), policy.returnUrlHosts())))
			.toList();
		if (this.entries.isEmpty()) {
			logger.warn("No callers are configured (gateway.callers): every request will be answered 401");
		}
	}

	Optional<Caller> authenticate(String token) {
		byte[] digest = Sha256.of(token);
		Caller found = null;
		// Look at every entry, without stopping at a match, so timing tells nothing about
		// which one.
		for (Entry entry : this.entries) {
			if (MessageDigest.isEqual(entry.tokenSha256(), digest)) {
				found = entry.caller();
			}
		}
		return Optional.ofNullable(found);
	}

	private record Entry(byte[] tokenSha256, Caller caller) {
	}

}
