package dev.portalgateway.caller;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.portalgateway.system.Sha256;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.stereotype.Component;

/**
 * Finds the caller a static bearer token belongs to, by comparing the token's SHA-256
 * with each configured hash in constant time (tokens are never stored, only their
 * hashes), and the caller a verified JWT subject belongs to.
 */
@Component
class CallerAuthenticator {

	private static final Log logger = LogFactory.getLog(CallerAuthenticator.class);

	private final List<Entry> entries;

	private final Map<String, Caller> bySubject;

	CallerAuthenticator(CallerProperties properties) {
		List<Entry> entries = new ArrayList<>();
		Map<String, Caller> bySubject = new HashMap<>();
		for (CallerProperties.Policy policy : properties.callers()) {
			Caller caller = new Caller(policy.name(), policy.intents(), policy.returnUrlHosts(), policy.organizations(),
					policy.itContactEmailDomains(), policy.weight(),
					(policy.maxLinks() != null) ? policy.maxLinks() : 0);
			if (policy.tokenSha256() != null) {
				entries.add(new Entry(HexFormat.of().parseHex(policy.tokenSha256().toLowerCase(Locale.ROOT)), caller));
			}
			if (policy.subject() != null) {
				bySubject.put(policy.subject(), caller);
			}
		}
		this.entries = List.copyOf(entries);
		this.bySubject = Map.copyOf(bySubject);
		if (properties.callers().isEmpty()) {
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

	/** The caller whose policy names this (verified) JWT subject. */
	Optional<Caller> bySubject(String subject) {
		return Optional.ofNullable(this.bySubject.get(subject));
	}

	private record Entry(byte[] tokenSha256, Caller caller) {
	}

}
