package dev.portalgateway.workos;

import dev.portalgateway.system.Sha256;

/**
 * The WorkOS secret key. Its {@code toString()} shows only the environment and a
 * fingerprint, so the key cannot leak through logs, actuator output or exception
 * messages.
 */
public final class ApiKey {

	private final String value;

	private final String fingerprint;

	/**
	 * Parses a key; the message of the exception never contains the value.
	 * @param value the key, {@code sk_test_…} or {@code sk_live_…}
	 */
	public ApiKey(String value) {
		if (value == null || value.isBlank()) {
			throw new IllegalArgumentException("is required: set WORKOS_API_KEY (or gateway.workos.api-key)");
		}
		String trimmed = value.strip();
		if (!trimmed.matches("sk_(test|live)_[A-Za-z0-9]+")) {
			throw new IllegalArgumentException("must start with sk_test_ or sk_live_ followed by letters and digits");
		}
		this.value = trimmed;
		this.fingerprint = Sha256.hex(trimmed).substring(0, 8);
	}

	/** The key itself; only for the {@code Authorization} header sent to WorkOS. */
	String reveal() {
		return this.value;
	}

	/**
	 * First 8 hex characters of the key's SHA-256: safe to log and to name metrics by.
	 */
	public String fingerprint() {
		return this.fingerprint;
	}

	public boolean isLive() {
		return this.value.startsWith("sk_live_");
	}

	@Override
	public String toString() {
		return (isLive() ? "sk_live_" : "sk_test_") + "****(" + this.fingerprint + ")";
	}

}
