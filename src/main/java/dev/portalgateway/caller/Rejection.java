package dev.portalgateway.caller;

import java.util.Locale;

/**
 * Why a caller was turned away: the {@code reason} tag of {@code gateway.auth.failures}.
 * Fixed values only; never anything from the token.
 */
enum Rejection {

	/** No {@code Authorization} header. */
	MISSING_TOKEN,

	/**
	 * Not {@code Bearer <token>}, a token with characters no token has, or more than one
	 * {@code Authorization} header.
	 */
	MALFORMED_TOKEN,

	/** A static token matching no caller's hash. */
	UNKNOWN_TOKEN,

	/** A JWT, but JWT verification is not configured. */
	JWT_NOT_ENABLED,

	/** A JWT that does not parse, or whose claims have the wrong types. */
	MALFORMED_JWT,

	/**
	 * Signature not verified: unknown key, algorithm not allowed (including {@code none}
	 * and HMAC), or a wrong signature.
	 */
	BAD_SIGNATURE,

	/** {@code exp} in the past (beyond the clock skew), or missing. */
	EXPIRED,

	/** {@code nbf} in the future (beyond the clock skew). */
	NOT_YET_VALID,

	/**
	 * {@code exp − iat} (or {@code exp −} now, without {@code iat}) longer than
	 * {@code max-token-lifetime}.
	 */
	LIFETIME_TOO_LONG,

	WRONG_ISSUER,

	WRONG_AUDIENCE,

	/** No {@code sub}. */
	MISSING_SUBJECT,

	/** A valid JWT whose subject no caller policy names: 403. */
	NO_POLICY,

	/** The issuer's keys could not be downloaded: 503. */
	KEYS_UNAVAILABLE,

	/**
	 * A request that would fail authentication, from an address that has used up its
	 * failure budget: 429, and no signature checked.
	 */
	OVER_FAILURE_BUDGET;

	/**
	 * Whether this is a failed authentication (401), which spends the client address's
	 * failure budget.
	 */
	boolean unauthenticated() {
		return this != NO_POLICY && this != KEYS_UNAVAILABLE && this != OVER_FAILURE_BUDGET;
	}

	String tag() {
		return name().toLowerCase(Locale.ROOT);
	}

	/** The rejection whose {@link #tag()} this is. */
	static Rejection ofTag(String tag) {
		return valueOf(tag.toUpperCase(Locale.ROOT));
	}

}
