package dev.portalgateway.system;

import java.security.DrbgParameters;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * Random (version 4) UUIDs from a cryptographic generator, safe to make on an event-loop
 * thread: request ids (echoed on every answer, 401s included), idempotency keys and
 * permit ids.
 * <p>
 * They must not be predictable: with {@code ThreadLocalRandom} one observed id gives away
 * the generator's state, and with it every id and idempotency key that follows.
 * {@link UUID#randomUUID()} is unpredictable but reads {@code /dev/urandom} under a lock
 * on every call, which blocks an event loop. This class instead seeds one NIST SP 800-90A
 * Hash_DRBG (SHA-256, 256-bit strength) once, when it is loaded at startup
 * ({@link RequestIds}' constructor), and from then on only computes: the JDK reseeds it
 * from the operating system only after 2^31 calls (about 25 days at 1,000 ids a second),
 * a read of {@code /dev/urandom}, which never waits once the system has booted.
 */
public final class Uuids {

	private static final SecureRandom RANDOM = seeded();

	private Uuids() {
	}

	private static SecureRandom seeded() {
		try {
			SecureRandom random = SecureRandom.getInstance("DRBG",
					DrbgParameters.instantiation(256, DrbgParameters.Capability.NONE, null));
			// The first call instantiates the generator: reads its seed now, not later on
			// an event loop.
			random.nextBytes(new byte[16]);
			return random;
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("DRBG is part of every Java runtime since 9", ex);
		}
	}

	/**
	 * The seeded generator itself, for what else needs randomness on an event loop: TLS
	 * contexts that Lettuce builds for each Redis connection (the JDK's default would
	 * read {@code /dev/urandom} there).
	 */
	public static SecureRandom generator() {
		return RANDOM;
	}

	public static String random() {
		byte[] bytes = new byte[16];
		RANDOM.nextBytes(bytes);
		long most = 0;
		long least = 0;
		for (int i = 0; i < 8; i++) {
			most = (most << 8) | (bytes[i] & 0xFF);
			least = (least << 8) | (bytes[i + 8] & 0xFF);
		}
		most = (most & ~0xF000L) | 0x4000L;
		least = (least & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
		return new UUID(most, least).toString();
	}

}
