package dev.portalgateway.portal;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The Admin Portal sections WorkOS can open a link into; the gateway authorizes per
 * intent.
 */
public enum Intent {

	SSO, DSYNC, AUDIT_LOGS, LOG_STREAMS, DOMAIN_VERIFICATION, CERTIFICATE_RENEWAL, BRING_YOUR_OWN_KEY;

	/** The wire form, e.g. {@code audit_logs}. */
	public String value() {
		return name().toLowerCase(Locale.ROOT);
	}

	/** The intent with this exact wire form; case matters, as it does for WorkOS. */
	public static Optional<Intent> fromValue(String value) {
		return Arrays.stream(values()).filter((intent) -> intent.value().equals(value)).findFirst();
	}

	@Override
	public String toString() {
		return value();
	}

}
