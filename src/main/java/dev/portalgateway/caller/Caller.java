package dev.portalgateway.caller;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.portalgateway.portal.Intent;

/**
 * An authenticated caller and what it may do.
 *
 * @param name the caller's configured name
 * @param intents the intents it may request
 * @param returnUrlHosts the hosts (exact or {@code *.domain}) its return URLs may point
 * to
 * @param organizations the organizations it may ask links for: exact ids, or prefixes
 * ending in {@code *}; empty for any organization
 * @param itContactEmailDomains the domains (exact or {@code *.domain}, or {@code *} for
 * any) of the IT contact e-mail addresses it may send; empty for none
 * @param weight its weight in the fair share of the link budget
 * @param maxLinks the most links it may have in one period; 0 for no cap
 */
public record Caller(String name, Set<Intent> intents, List<String> returnUrlHosts, List<String> organizations,
		List<String> itContactEmailDomains, int weight, int maxLinks) {

	public Caller {
		intents = Set.copyOf(intents);
		returnUrlHosts = lowerCase(returnUrlHosts);
		organizations = List.copyOf(organizations);
		itContactEmailDomains = lowerCase(itContactEmailDomains);
	}

	/**
	 * A caller with no organization limit, no IT contact e-mails, weight 1 and no cap.
	 */
	public Caller(String name, Set<Intent> intents, List<String> returnUrlHosts) {
		this(name, intents, returnUrlHosts, List.of(), List.of(), 1, 0);
	}

	private static List<String> lowerCase(List<String> names) {
		return names.stream().map((host) -> host.toLowerCase(Locale.ROOT)).toList();
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
		return matchesHost(this.returnUrlHosts, host);
	}

	/**
	 * Whether it may ask for links for this organization: any, when its policy names
	 * none; else an id listed exactly, or one starting with a listed prefix
	 * ({@code org_01A*}). Organization ids are case sensitive, as at WorkOS.
	 */
	public boolean mayAccess(String organization) {
		if (this.organizations.isEmpty()) {
			return true;
		}
		for (String allowed : this.organizations) {
			if (allowed.endsWith("*") ? organization.startsWith(allowed.substring(0, allowed.length() - 1))
					: organization.equals(allowed)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether it may name this address as an IT contact. WorkOS gives an IT contact
	 * lasting access to the organization's Admin Portal, beyond the link and its return
	 * URLs, so none is allowed unless the policy lists the address's domain
	 * ({@code example.com}, {@code *.example.com}) or {@code *}.
	 */
	public boolean mayNameContact(String email) {
		if (this.itContactEmailDomains.contains("*")) {
			return true;
		}
		int at = email.lastIndexOf('@');
		return at > 0 && matchesHost(this.itContactEmailDomains, email.substring(at + 1));
	}

	/**
	 * Whether a host matches one of the patterns: exact, or {@code *.domain} for any
	 * subdomain at any depth (not the domain itself). Case and a trailing dot are
	 * ignored.
	 */
	private static boolean matchesHost(List<String> patterns, String host) {
		String normalized = host.toLowerCase(Locale.ROOT);
		if (normalized.endsWith(".")) {
			normalized = normalized.substring(0, normalized.length() - 1);
		}
		for (String allowed : patterns) {
			if (allowed.startsWith("*.") ? normalized.endsWith(allowed.substring(1)) : normalized.equals(allowed)) {
				return true;
			}
		}
		return false;
	}

}
