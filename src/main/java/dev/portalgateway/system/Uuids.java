package dev.portalgateway.system;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random (version 4) UUIDs that are safe to make on an event-loop thread.
 * <p>
 * {@link UUID#randomUUID()} draws on {@code SecureRandom}, which reads
 * {@code /dev/urandom} under a lock: a blocking call BlockHound rightly reports. Request
 * ids and idempotency keys need uniqueness, not secrecy, so {@link ThreadLocalRandom}'s
 * 122 random bits are enough.
 */
public final class Uuids {

	private Uuids() {
	}

	public static String random() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		long most = (random.nextLong() & ~0xF000L) | 0x4000L;
		long least = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
		return new UUID(most, least).toString();
	}

}
