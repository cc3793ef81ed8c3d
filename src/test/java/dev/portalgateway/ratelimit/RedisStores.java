package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.portalgateway.TestRedis;
import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * For tests of the Redis store's scripts: one real Redis server per test class, and
 * stores on it (redis-timeout 1 s, so a busy machine does not decide), closed after each
 * test.
 */
abstract class RedisStores {

	static TestRedis redis;

	private final List<SharedQuotaStore> stores = new ArrayList<>();

	@BeforeAll
	static void startRedis() {
		redis = TestRedis.start();
	}

	@AfterAll
	static void stopRedis() {
		redis.stop();
	}

	@AfterEach
	void closeStores() {
		this.stores.forEach(SharedQuotaStore::stopHeartbeats);
	}

	/** A store for the WorkOS key with this fingerprint (keys apart from the others). */
	SharedQuotaStore store(String fingerprint) {
		return store(fingerprint, Duration.ofSeconds(1));
	}

	/** A store as {@link #store(String)}, with this redis-timeout. */
	SharedQuotaStore store(String fingerprint, Duration redisTimeout) {
		SharedQuotaStore store = new SharedQuotaStore(RedisURI.create(redis.url()), Duration.ofSeconds(2), fingerprint,
				1, redisTimeout, new SimpleMeterRegistry());
		this.stores.add(store);
		return store;
	}

}
