package dev.portalgateway;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * The few blocking calls BlockHound may see on event loops, each a one-time or bounded
 * wait that reactive code cannot avoid. Loaded by BlockHound through
 * {@code META-INF/services}.
 */
public class AllowedBlockingCalls implements BlockHoundIntegration {

	@Override
	public void applyTo(BlockHound.Builder builder) {
		// Jackson fills its (de)serializer caches under a lock the first time it meets
		// a type; in a cold-start burst, requests briefly wait for that one fill.
		builder.allowBlockingCallsInside("tools.jackson.databind.deser.DeserializerCache",
				"_createAndCacheValueDeserializer");
		builder.allowBlockingCallsInside("tools.jackson.databind.ser.SerializerCache",
				"addAndResolveNonTypedSerializer");
		// Resilience4j's AtomicRateLimiter backs off for 1 ns (parkNanos(1)) when its
		// compare-and-set loses a race: contention management (arXiv:1305.5800), not a
		// wait for permits. With max-wait the reactor operator waits with Mono.delay.
		// See resilience4j/resilience4j#1049.
		builder.allowBlockingCallsInside("io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter",
				"compareAndSet");
		// Lettuce guards each connection's writers with a lock held only to bump a
		// counter, or while a reconnect replays queued commands; under a burst, two event
		// loops writing to the one Redis connection briefly wait for each other. Not a
		// wait for Redis. BlockHound's error thrown inside lock() would also leave the
		// lock held (redis/lettuce#2510, redis/lettuce#3804).
		builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters");
		builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "doExclusive");
		// Netty's DNS resolver draws random query ids from a SecureRandom, which now and
		// then refills its buffer from /dev/urandom (never blocks on Linux). Without this
		// a resolution on an event loop fails half-way and its connect never completes.
		builder.allowBlockingCallsInside("io.netty.resolver.dns.DnsQueryIdSpace$DnsQueryIdRange", "pushId");
		// Netty 4.2's adaptive buffer allocator takes a short write lock to add a
		// magazine
		// when threads contend for buffers (bounded, no I/O). Seen in the 429-storm
		// scenario, where responses are encoded on Reactor's parallel threads after a
		// wait.
		builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup",
				"tryExpandMagazines");
		// Log lines are queued for the console's own thread (system.ConsoleOffTheLoops):
		// the queue's lock is held only to add or take a line, so two event loops
		// logging at once briefly wait for each other. A full queue (the console has
		// taken nothing for thousands of lines) also waits here: no audit line is
		// dropped, the choice README's audit section states.
		builder.allowBlockingCallsInside("ch.qos.logback.core.AsyncAppenderBase", "put");
		// Lets BlockHoundTests prove this list is in force.
		builder.allowBlockingCallsInside(AllowedBlockingCalls.class.getName(), "pauseForTest");
	}

	static boolean pauseForTest() throws InterruptedException {
		return new CountDownLatch(1).await(1, TimeUnit.MILLISECONDS);
	}

}
