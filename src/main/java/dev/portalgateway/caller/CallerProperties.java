package dev.portalgateway.caller;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import dev.portalgateway.portal.Intent;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The callers the gateway knows, what each may do, and how they prove who they are:
 * {@code gateway.callers[i]} and {@code gateway.auth.jwt}. One record, so the rules that
 * span both (a policy naming a {@code subject} needs JWT verification) fail at startup.
 *
 * @param callers one entry per calling service
 * @param auth how callers authenticate besides static tokens
 */
@ConfigurationProperties("gateway")
public record CallerProperties(@DefaultValue List<Policy> callers, @DefaultValue Auth auth) {

	// The rules of one policy's values. Checked here, where the policy's index is known
	// (so the message names gateway.callers[i]), rather than by Bean Validation, which
	// costs a tenth of the gateway's start.
	private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

	private static final Pattern TOKEN_SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

	private static final Pattern SUBJECT = Pattern.compile("[\\x21-\\x7E]{1,255}");

	private static final Pattern HOST = Pattern
		.compile("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*");

	private static final Pattern ORGANIZATION = Pattern.compile("org_[A-Za-z0-9]{1,64}|org_[A-Za-z0-9]{0,63}\\*");

	private static final Pattern EMAIL_DOMAIN = Pattern
		.compile("denied|\\*|(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*");

	public CallerProperties {
		Set<String> names = new HashSet<>();
		Set<String> hashes = new HashSet<>();
		Set<String> subjects = new HashSet<>();
		for (int i = 0; i < callers.size(); i++) {
			Policy policy = callers.get(i);
			String prefix = "gateway.callers[" + i + "]";
			checkValues(policy, prefix);
			if (!names.add(policy.name())) {
				throw new IllegalArgumentException(prefix + ".name repeats an earlier caller's name");
			}
			if (policy.tokenSha256() == null && policy.subject() == null) {
				throw new IllegalArgumentException(prefix + " needs token-sha256 (a static token) or subject (a JWT)");
			}
			if (policy.tokenSha256() != null && !hashes.add(policy.tokenSha256().toLowerCase(Locale.ROOT))) {
				throw new IllegalArgumentException(prefix + ".token-sha256 repeats an earlier caller's token hash");
			}
			if (policy.subject() != null && !subjects.add(policy.subject())) {
				throw new IllegalArgumentException(prefix + ".subject repeats an earlier caller's subject");
			}
			if (policy.itContactEmails().contains(Policy.DENIED) && policy.itContactEmails().size() > 1) {
				throw new IllegalArgumentException(prefix + ".it-contact-emails is either denied or a list of domains");
			}
			if (policy.subject() != null && !auth.jwt().enabled()) {
				throw new IllegalArgumentException(
						prefix + ".subject needs JWT verification: set gateway.auth.jwt.issuer and jwks-uri");
			}
		}
	}

	private static void checkValues(Policy policy, String prefix) {
		if (policy.name() == null) {
			throw new IllegalArgumentException(prefix + ".name is required");
		}
		matches(NAME, policy.name(), prefix + ".name", "must be 1-63 letters, digits, '.', '_' or '-'");
		matches(TOKEN_SHA256, policy.tokenSha256(), prefix + ".token-sha256",
				"must be the 64 hex characters of the token's SHA-256");
		matches(SUBJECT, policy.subject(), prefix + ".subject",
				"must be 1-255 printable ASCII characters without spaces");
		if (policy.intents() == null || policy.intents().isEmpty()) {
			throw new IllegalArgumentException(prefix + ".intents must not be empty");
		}
		each(HOST, policy.returnUrlHosts(), prefix + ".return-url-hosts",
				"must be a host name, or *. followed by a host name");
		each(ORGANIZATION, policy.organizations(), prefix + ".organizations",
				"must be an organization id (org_ and letters or digits), or a prefix of one ending in *");
		each(EMAIL_DOMAIN, policy.itContactEmails(), prefix + ".it-contact-emails",
				"must be denied, *, a domain, or *. followed by a domain");
		if (policy.weight() < 1 || policy.weight() > 1000) {
			throw new IllegalArgumentException(prefix + ".weight must be between 1 and 1000");
		}
		if (policy.maxLinks() != null && policy.maxLinks() < 1) {
			throw new IllegalArgumentException(prefix + ".max-links must be at least 1");
		}
	}

	private static void each(Pattern rule, List<String> values, String property, String message) {
		for (int i = 0; i < values.size(); i++) {
			matches(rule, values.get(i), property + "[" + i + "]", message);
		}
	}

	/** A value that is there must match {@code rule} in full. */
	private static void matches(Pattern rule, @Nullable String value, String property, String message) {
		if (value != null && !rule.matcher(value).matches()) {
			throw new IllegalArgumentException(property + " " + message);
		}
	}

	/**
	 * One calling service. It authenticates with a static token (its hash is here), with
	 * a JWT whose {@code sub} is {@code subject}, or either (while it moves from one to
	 * the other).
	 *
	 * @param name a short name for audit lines and metrics, e.g. {@code billing-api}
	 * @param tokenSha256 hex SHA-256 of the caller's static bearer token (never the token
	 * itself)
	 * @param subject the {@code sub} of the caller's JWT, e.g.
	 * {@code system:serviceaccount:billing:billing-api}
	 * @param intents the intents this caller may request
	 * @param returnUrlHosts hosts the caller may use in return/success URLs: exact, or
	 * {@code *.example.com} for any subdomain of example.com
	 * @param organizations the organizations the caller may ask links for: exact ids, or
	 * prefixes ending in {@code *} ({@code org_01A*}); empty (the default) for any
	 * @param itContactEmails {@code denied} (the default): the caller may not name IT
	 * contacts; or the e-mail domains it may name them from ({@code example.com},
	 * {@code *.example.com} for subdomains, {@code *} for any)
	 * @param weight the caller's weight in the fair share of the link budget (1–1000,
	 * default 1): its share is the budget × its weight / the weights of the callers
	 * active in the last period
	 * @param maxLinks the most links the caller may have in one
	 * {@code gateway.rate-limit.portal-links.period}, even when the budget is free; none
	 * by default
	 */
	public record Policy(String name, @Nullable String tokenSha256, @Nullable String subject, Set<Intent> intents,
			@DefaultValue List<String> returnUrlHosts, @DefaultValue List<String> organizations,
			@DefaultValue("denied") List<String> itContactEmails, @DefaultValue("1") int weight,
			@Nullable Integer maxLinks) {

		/** The {@code it-contact-emails} value that allows no IT contact at all. */
		public static final String DENIED = "denied";

		/** The domains IT contacts may be named from; empty when denied. */
		public List<String> itContactEmailDomains() {
			return this.itContactEmails.stream().filter((domain) -> !DENIED.equals(domain)).toList();
		}

	}

	/**
	 * How callers may authenticate besides static tokens, and what failing costs.
	 *
	 * @param jwt verification of JWTs such as Kubernetes service-account tokens
	 * @param failureBudget how many failed authentications a client address may have
	 */
	public record Auth(@DefaultValue @NestedConfigurationProperty JwtProperties jwt,
			@DefaultValue FailureBudget failureBudget) {
	}

	/**
	 * Failed authentications allowed per client address
	 * ({@code gateway.auth.failure-budget}): {@code failures} per {@code per}, refilled
	 * evenly. Past it, the address's requests that would fail authentication are answered
	 * 429 {@code too_many_auth_failures}, and no signature is checked for it.
	 *
	 * @param failures how many failures an address may have in {@code per} (at least 1)
	 * @param per the period of the budget
	 * @param maxAddresses the most client addresses remembered at once (least recently
	 * seen forgotten first), so the budget's memory is bounded
	 * @param logInterval 401 audit lines: the first failure from an address is written,
	 * further ones within this interval are counted and summarised in one line
	 */
	public record FailureBudget(@DefaultValue("20") int failures, @DefaultValue("10s") Duration per,
			@DefaultValue("10000") int maxAddresses, @DefaultValue("1m") Duration logInterval) {

		public FailureBudget {
			String prefix = "gateway.auth.failure-budget.";
			if (failures < 1 || failures > 1_000_000) {
				throw new IllegalArgumentException(prefix + "failures must be between 1 and 1000000");
			}
			if (per.compareTo(Duration.ofSeconds(1)) < 0 || per.compareTo(Duration.ofHours(1)) > 0) {
				throw new IllegalArgumentException(prefix + "per must be between 1s and 1h");
			}
			if (maxAddresses < 1 || maxAddresses > 1_000_000) {
				throw new IllegalArgumentException(prefix + "max-addresses must be between 1 and 1000000");
			}
			if (logInterval.compareTo(Duration.ofSeconds(1)) < 0) {
				throw new IllegalArgumentException(prefix + "log-interval must be at least 1s");
			}
		}

	}

}
