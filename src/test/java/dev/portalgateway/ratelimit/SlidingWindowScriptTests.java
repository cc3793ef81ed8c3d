package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.portalgateway.TestRedis;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Lua scripts against a real Redis server. Redis keeps its own time (TIME), which a
 * test cannot move, so the window slides in real time: windows here are a few hundred ms.
 */
class SlidingWindowScriptTests {

	private static final Duration VERIFY = Duration.ofSeconds(10);

	static TestRedis redis;

	static RedisReactiveCommands<String, String> commands;

	@BeforeAll
	static void startRedis() {
		redis = TestRedis.start();
		commands = redis.commands();
	}

	@AfterAll
	static void stopRedis() {
		redis.stop();
	}

	private final List<SharedQuotaStore> stores = new ArrayList<>();

	@AfterEach
	void closeStores() {
		this.stores.forEach(SharedQuotaStore::stopHeartbeats);
	}

	private SharedQuotaStore store(String fingerprint) {
		SharedQuotaStore store = new SharedQuotaStore(RedisURI.create(redis.url()), Duration.ofSeconds(2), fingerprint,
				1, Duration.ofSeconds(1), new SimpleMeterRegistry());
		this.stores.add(store);
		return store;
	}

	@Test
	void grantsTheLimitThenRefusesWithTheTimeUntilAPermitFrees() {
		SharedQuotaStore store = store("limit001");
		StepVerifier
			.create(Flux.range(0, 5).concatMap((i) -> store.acquire(Operation.PORTAL_LINKS, 3, Duration.ofSeconds(60))))
			.assertNext((d) -> assertThat(d).extracting("granted", "remaining").containsExactly(true, 2))
			.assertNext((d) -> assertThat(d).extracting("granted", "remaining").containsExactly(true, 1))
			.assertNext((d) -> assertThat(d).extracting("granted", "remaining").containsExactly(true, 0))
			.assertNext((d) -> {
				assertThat(d.granted()).isFalse();
				assertThat(d.reset()).isBetween(Duration.ofSeconds(59), Duration.ofSeconds(60));
			})
			.assertNext((d) -> assertThat(d.granted()).isFalse())
			.expectComplete()
			.verify(VERIFY);
	}

	@Test
	void keepsOperationsAndKeysApart() {
		SharedQuotaStore store = store("apart001");
		StepVerifier
			.create(store.acquire(Operation.PORTAL_LINKS, 1, Duration.ofSeconds(60))
				.then(store.acquire(Operation.PROVIDER_ICONS, 1, Duration.ofSeconds(60)))
				.zipWith(store("apart002").acquire(Operation.PORTAL_LINKS, 1, Duration.ofSeconds(60))))
			.assertNext((both) -> {
				assertThat(both.getT1().granted()).isTrue();
				assertThat(both.getT2().granted()).isTrue();
			})
			.expectComplete()
			.verify(VERIFY);
	}

	@Test
	void slidesTheWindowInsteadOfResettingIt() {
		SharedQuotaStore store = store("slide001");
		Duration window = Duration.ofMillis(400);
		Mono<SharedQuotaStore.Decision> take = Mono.defer(() -> store.acquire(Operation.PORTAL_LINKS, 2, window));
		// Two at t=0, one more at t≈250 ms is refused (both still inside the window), and
		// a
		// permit frees only when the first call leaves the window (t≈400 ms).
		StepVerifier
			.create(take.concatWith(take)
				.concatWith(Mono.delay(Duration.ofMillis(250)).then(take))
				.concatWith(Mono.delay(Duration.ofMillis(250)).then(take)))
			.assertNext((d) -> assertThat(d.granted()).isTrue())
			.assertNext((d) -> assertThat(d.granted()).isTrue())
			.assertNext((d) -> {
				assertThat(d.granted()).isFalse();
				assertThat(d.reset()).isBetween(Duration.ofMillis(1), Duration.ofMillis(160));
			})
			.assertNext((d) -> assertThat(d.granted()).isTrue())
			.expectComplete()
			.verify(VERIFY);
	}

	@Test
	void letsItsKeysExpireWithTheWindow() {
		SharedQuotaStore store = store("expiry01");
		StepVerifier
			.create(store.acquire(Operation.PORTAL_LINKS, 5, Duration.ofSeconds(30))
				.then(commands.pttl("{gw:expiry01}:quota:portal_links")))
			.assertNext((ttl) -> assertThat(ttl).isBetween(29_000L, 30_000L))
			.expectComplete()
			.verify(VERIFY);
	}

	@Test
	void sharesACooldownThatOnlyGrows() {
		SharedQuotaStore store = store("cool0001");
		StepVerifier
			.create(store.coolDown(Duration.ofSeconds(20))
				.then(store.coolDown(Duration.ofSeconds(5)))
				.then(store.cooldownRemaining()))
			.assertNext((left) -> assertThat(left).isBetween(Duration.ofSeconds(19), Duration.ofSeconds(20)))
			.expectComplete()
			.verify(VERIFY);
		StepVerifier.create(store("cool0002").cooldownRemaining())
			.expectNext(Duration.ZERO)
			.expectComplete()
			.verify(VERIFY);
	}

	@Test
	void countsAsDegradedOnlyAfterThreeSlowAnswersInARow() {
		SharedQuotaStore store = new SharedQuotaStore(RedisURI.create(redis.url()), Duration.ofSeconds(2), "slow0001",
				1, Duration.ofMillis(50), new SimpleMeterRegistry());
		this.stores.add(store);
		// Connected, script loaded, answering in time.
		StepVerifier.create(store.acquire(Operation.PORTAL_LINKS, 3, Duration.ofSeconds(60)))
			.expectNextCount(1)
			.expectComplete()
			.verify(VERIFY);
		// Redis holds every client's commands for 1 s: each answer comes after the
		// store's 50 ms (a 1 ns timeout instead raced the answer against the timer).
		StepVerifier.create(commands.clientPause(1000)).expectNext("OK").expectComplete().verify(VERIFY);
		try {
			for (int i = 1; i <= SharedQuotaStore.DEGRADE_AFTER; i++) {
				StepVerifier.create(store.acquire(Operation.PORTAL_LINKS, 3, Duration.ofSeconds(60)))
					.expectError(java.util.concurrent.TimeoutException.class)
					.verify(VERIFY);
				assertThat(store.isDegraded()).as("degraded after %d slow answers", i)
					.isEqualTo(i == SharedQuotaStore.DEGRADE_AFTER);
			}
		}
		finally {
			// CLIENT UNPAUSE (Redis 6.2), so the next test does not wait for the pause.
			StepVerifier
				.create(commands.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
						new CommandArgs<>(StringCodec.UTF8).add("UNPAUSE")))
				.expectNext("OK")
				.expectComplete()
				.verify(VERIFY);
		}
	}

	@Test
	void countsReplicasByHeartbeat() {
		SharedQuotaStore one = store("beat0001");
		SharedQuotaStore two = store("beat0001");
		StepVerifier.create(one.heartbeat().then(two.heartbeat())).expectNext(2).expectComplete().verify(VERIFY);
		assertThat(two.replicas()).isEqualTo(2);
		assertThat(List.of(one.isDegraded(), two.isDegraded())).containsOnly(false);
	}

}
