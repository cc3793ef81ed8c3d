package dev.portalgateway.caller;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.portalgateway.workos.Intent;

/**
 * An authenticated caller and what it may do.
 *
 * @param name the caller's configured name
 * @param intents the intents it may request
 * @param returnUrlHosts the hosts (exact or {@code *.domain}) its return URLs may point
 * to
 */
public record Caller(String name, Set<Intent> intents, List<String> returnUrlHosts) {

	public Caller {
		intents = Set.copyOf(intents);
		returnUrlHosts = returnUrlHosts.stream().map((host) -> host.toLowerCase(Locale.ROOT)).toList();
	}

	public boolean mayUse(Intent intent) {
		return this.intents.contains(intent);
	}

	/**
	 * Whether it may have a link without an intent, which opens every portal section.
	 */
	public boolean mayUseEveryIntent() {
		return this.intents.containsAll(EnumSet.allOf(Intent.class));
	}

	/**
	 * Whether a return URL may point to this host. {@code *.example.com} matches any
	 * subdomain at any depth but not {@code example.com} itself; list both if both are
	 * wanted.
	 */
	public boolean mayRedirectTo(String host) {
		String normalized = host.toLowerCase(Locale.ROOT);
		if (normalized.endsWith(".")) {
			normalized = normalized.substring(0, normalized.length() - 1);
		}
		for (String allowed : this.returnUrlHosts) {
			if (allowed.startsWith("*.") ? normalized.endsWith(allowed.substring(1)) : normalized.equals(allowed)) {
				return true;
			}
		}
		return false;
	}

}
