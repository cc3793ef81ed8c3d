package dev.portalgateway.portal;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The Admin Portal sections WorkOS can open a link into; the gateway authorizes per
 * intent.
 */
public enum Intent {

	SSO, DSYNC, AUDIT_LOGS, LOG_STREAMS, DOMAIN_VERIFICATION, CERTIFICATE_RENEWAL, BRING_YOUR_OWN_KEY;

	/** Each intent by its wire form, made once (every link request parses one). */
	private static final Map<String, Intent> BY_VALUE = Arrays.stream(values())
		.collect(Collectors.toUnmodifiableMap(Intent::value, Function.identity()));

	private final String value = name().toLowerCase(Locale.ROOT);

	/** The wire form, e.g. {@code audit_logs}. */
	public String value() {
		return this.value;
	}

	/** The intent with this exact wire form; case matters, as it does for WorkOS. */
	public static Optional<Intent> fromValue(String value) {
		return Optional.ofNullable(BY_VALUE.get(value));
	}

	@Override
	public String toString() {
		return value();
	}

}
