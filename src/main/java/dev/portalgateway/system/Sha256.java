package dev.portalgateway.system;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 of text, as used for caller token hashes and the WorkOS key's fingerprint.
 * <p>
 * One digest per thread, reused ({@link MessageDigest#digest(byte[])} resets it): every
 * request with a static token is hashed, and {@code MessageDigest.getInstance} looks the
 * algorithm up among the security providers and builds the digest by reflection each time
 * (bench/RESULTS.md).
 */
public final class Sha256 {

	private static final ThreadLocal<MessageDigest> DIGESTS = ThreadLocal.withInitial(Sha256::newDigest);

	private Sha256() {
	}

	/** The digest of the UTF-8 bytes of {@code text}. */
	public static byte[] of(String text) {
		return of(text.getBytes(StandardCharsets.UTF_8));
	}

	public static byte[] of(byte[] bytes) {
		return DIGESTS.get().digest(bytes);
	}

	/** The digest as 64 lower-case hex characters. */
	public static String hex(String text) {
		return HexFormat.of().formatHex(of(text));
	}

	private static MessageDigest newDigest() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is part of every JDK", ex);
		}
	}

}
