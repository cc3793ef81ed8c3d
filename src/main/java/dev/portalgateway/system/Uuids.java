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

	private static final int IDS_PER_DRAW = 32;

	private static final ThreadLocal<Draw> DRAWS = ThreadLocal.withInitial(Draw::new);

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

	/** A new random UUID, as a string. */
	public static String random() {
		return DRAWS.get().next();
	}

	/**
	 * One thread's ids, drawn from the generator {@value #IDS_PER_DRAW} at a time. Each
	 * call of the generator takes its lock and computes one SHA-256 per 32 bytes plus one
	 * more to update its state: two for an id drawn alone, which with the lock was about
	 * a thirtieth of a cached icon's CPU (a request id each); 17 for 32 ids drawn
	 * together, about a quarter of that per id. The bytes are as unpredictable as before;
	 * those not yet used stay in this thread's buffer, next to the generator's own state
	 * in the same heap.
	 */
	private static final class Draw {

		private final byte[] bytes = new byte[16 * IDS_PER_DRAW];

		private int next = this.bytes.length;

		String next() {
			if (this.next == this.bytes.length) {
				RANDOM.nextBytes(this.bytes);
				this.next = 0;
			}
			long most = readLong(this.bytes, this.next);
			long least = readLong(this.bytes, this.next + 8);
			this.next += 16;
			most = (most & ~0xF000L) | 0x4000L;
			least = (least & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
			return new UUID(most, least).toString();
		}

		private static long readLong(byte[] bytes, int from) {
			long value = 0;
			for (int i = from; i < from + 8; i++) {
				value = (value << 8) | (bytes[i] & 0xFF);
			}
			return value;
		}

	}

}
