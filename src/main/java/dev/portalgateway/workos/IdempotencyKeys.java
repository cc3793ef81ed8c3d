package dev.portalgateway.workos;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code Idempotency-Key}s WorkOS sees. Every caller shares the gateway's one WorkOS
 * key, so a key a caller sends is never forwarded as it is: WorkOS would replay one
 * caller's stored answer (its link) to any other caller that sent the same key. The key
 * sent is {@code pgw1_} and the base64url HMAC-SHA-256 of the caller's name and its key,
 * under a secret derived from the WorkOS key:
 * <ul>
 * <li>two callers never share one, whatever they send (the name is in the MAC);</li>
 * <li>one caller's retries, on any replica, send the same one (every replica derives the
 * same secret from the same WorkOS key);</li>
 * <li>nobody without the WorkOS key can compute one.</li>
 * </ul>
 */
final class IdempotencyKeys {

	private static final String ALGORITHM = "HmacSHA256";

	private static final String PREFIX = "pgw1_";

	private final SecretKeySpec secret;

	IdempotencyKeys(ApiKey apiKey) {
		// A secret of its own, not the WorkOS key itself: a MAC under the WorkOS key of a
		// fixed label.
		byte[] derived = mac(new SecretKeySpec(apiKey.reveal().getBytes(StandardCharsets.UTF_8), ALGORITHM),
				"portal-gateway idempotency keys v1", null);
		this.secret = new SecretKeySpec(derived, ALGORITHM);
	}

	/** The key WorkOS gets for this caller's key. */
	String scoped(String caller, String callerKey) {
		return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(mac(this.secret, caller, callerKey));
	}

	private static byte[] mac(SecretKeySpec key, String first, String second) {
		try {
			Mac mac = Mac.getInstance(ALGORITHM);
			mac.init(key);
			mac.update(first.getBytes(StandardCharsets.UTF_8));
			if (second != null) {
				// A separator no caller name contains, so ("a", "bc") and ("ab", "c")
				// differ.
				mac.update((byte) 0);
				mac.update(second.getBytes(StandardCharsets.UTF_8));
			}
			return mac.doFinal();
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is part of every Java runtime", ex);
		}
	}

}
