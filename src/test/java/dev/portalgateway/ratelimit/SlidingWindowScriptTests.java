package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.List;

import dev.portalgateway.Await;
import dev.portalgateway.Poll;
import dev.portalgateway.TestRedis;
import dev.portalgateway.system.GatewayProblem;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Lua scripts against a real Redis server. Redis keeps its own time (TIME), which a
 * test cannot move, so the window slides in real time: windows here are a few hundred ms.
 */
class SlidingWindowScriptTests extends RedisStores {

	private static final Duration VERIFY = Duration.ofSeconds(10);

	static RedisReactiveCommands<String, String> commands;

	@BeforeAll
	static void connect() {
		commands = redis.commands();
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
		Duration window = Duration.ofSeconds(1);
		Mono<StoreDecision> take = Mono.defer(() -> store.acquire(Operation.PORTAL_LINKS, 2, window));
		// Two at t=0, a third at t≈250 ms, a fourth at t≈1.1 s. Redis decides by its own
		// clock, so each answer is checked against a sliding log kept here on the times
		// Redis reports (admittedAt), not against the pauses: a slow machine changes when
		// the calls arrive, not what is right for them.
		List<StoreDecision> decisions = Await.value(take.concatWith(take)
			.concatWith(Mono.delay(Duration.ofMillis(250)).then(take))
			.concatWith(Mono.delay(Duration.ofMillis(850)).then(take))
			.collectList());
		List<Long> admitted = new java.util.ArrayList<>();
		for (StoreDecision decision : decisions) {
			long now = decision.admittedAt();
			List<Long> inWindow = admitted.stream().filter((at) -> at > now - window.toMillis()).toList();
			assertThat(decision.granted()).as("granted at %d with %s in the window", now, inWindow)
				.isEqualTo(inWindow.size() < 2);
			if (decision.granted()) {
				admitted.add(now);
			}
			else {
				// A permit frees when the oldest call leaves the window: sliding, not at
				// a
				// fixed window's end.
				assertThat(decision.reset().toMillis())
					.isEqualTo(Math.max(1, inWindow.get(0) + window.toMillis() - now));
			}
		}
		// The third came within the window of the first two (750 ms to spare).
		assertThat(decisions).extracting(StoreDecision::granted).containsExactly(true, true, false, true);
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

	/** A store with the default redis-timeout (50 ms), as users run it. */
	private SharedQuotaStore storeAtDefaults(String fingerprint) {
		return store(fingerprint, new RateLimitProperties(null, null).redisTimeout());
	}

	@Test
	void aSlowAnswerAloneDoesNotDegradeTheStore() {
		SharedQuotaStore store = storeAtDefaults("slow0001");
		// Redis holds every command for 120 ms: the permit's answer comes after the 50 ms
		// timeout, but the heartbeat it asks for (200 ms) is answered.
		pause(120, "ALL");
		try {
			StepVerifier.create(store.acquire(Operation.PORTAL_LINKS, 3, Duration.ofSeconds(60)))
				.expectError(java.util.concurrent.TimeoutException.class)
				.verify(VERIFY);
			// The heartbeat the slow answer asked for takes 120 ms (its timeout is 1 s):
			// past its answer, the store must still be healthy.
			Poll.elapse(Duration.ofMillis(300));
			assertThat(store.isDegraded()).isFalse();
		}
		finally {
			unpause();
		}
	}

	@Test
	void aHungRedisDegradesTheStoreWithinAHeartbeatTimeout() {
		SharedQuotaStore store = storeAtDefaults("hung0001");
		pause(2000, "ALL");
		try {
			StepVerifier.create(store.acquire(Operation.PORTAL_LINKS, 3, Duration.ofSeconds(60)))
				.expectError(java.util.concurrent.TimeoutException.class)
				.verify(VERIFY);
			// The heartbeat waits 4 × redis-timeout and at least 1 s before it declares
			// Redis gone.
			StepVerifier.create(Flux.interval(Duration.ofMillis(20)).filter((tick) -> store.isDegraded()).next())
				.expectNextCount(1)
				.expectComplete()
				.verify(Duration.ofMillis(1600));
		}
		finally {
			unpause();
		}
		StepVerifier.create(store.heartbeat()).expectNext(1).expectComplete().verify(VERIFY);
		assertThat(store.isDegraded()).as("healthy again after a heartbeat").isFalse();
	}

	@Test
	void grantsOnePermitIdOnceHoweverOftenItIsAskedFor() {
		SharedQuotaStore store = store("idem0001");
		Duration window = Duration.ofSeconds(60);
		StepVerifier
			.create(Flux
				.concat(store.acquire(Operation.PORTAL_LINKS, 2, window, "permit-1"),
						store.acquire(Operation.PORTAL_LINKS, 2, window, "permit-1"),
						store.acquire(Operation.PORTAL_LINKS, 2, window, "permit-2"),
						store.acquire(Operation.PORTAL_LINKS, 2, window, "permit-3"))
				.map((decision) -> decision.granted() + "/" + decision.remaining())
				.collectList())
			// permit-1 asked again takes nothing; permit-2 is the second of two; permit-3
			// is over the limit.
			.expectNext(List.of("true/1", "true/1", "true/0", "false/0"))
			.expectComplete()
			.verify(VERIFY);
		// Asked again later, a permit keeps the Redis time it was admitted at.
		StepVerifier
			.create(store.acquire(Operation.PROVIDER_ICONS, 2, window, "permit-4")
				.zipWith(Mono.delay(Duration.ofMillis(30))
					.then(store.acquire(Operation.PROVIDER_ICONS, 2, window, "permit-4"))))
			.assertNext(
					(both) -> assertThat(both.getT2().admittedAt()).isPositive().isEqualTo(both.getT1().admittedAt()))
			.expectComplete()
			.verify(VERIFY);
	}

	@Test
	void loadsItsScriptsAtStartup() {
		storeAtDefaults("warm0001");
		StepVerifier.create(commands.scriptExists(sha1("ratelimit/sliding-window.lua"), sha1("ratelimit/cooldown.lua")))
			.expectNext(true, true)
			.expectComplete()
			.verify(VERIFY);
	}

	@Test
	void aCoolDownIsInRedisBeforeTheWriteCompletesEvenWhenRedisStalls() {
		SharedQuotaStore store = storeAtDefaults("stall001");
		// Writes (scripts included) held for 150 ms: the first tries time out.
		pause(150, "WRITE");
		try {
			StepVerifier.create(store.coolDown(Duration.ofSeconds(30)).then(commands.pttl("{gw:stall001}:cooldown")))
				.assertNext((left) -> assertThat(left).isGreaterThan(25_000L))
				.expectComplete()
				.verify(VERIFY);
		}
		finally {
			unpause();
		}
	}

	private static void pause(long millis, String mode) {
		StepVerifier.create(TestRedis.client(commands, "PAUSE", Long.toString(millis), mode))
			.expectNext("OK")
			.expectComplete()
			.verify(VERIFY);
	}

	/** CLIENT UNPAUSE (Redis 6.2), so the next test does not wait for the pause. */
	private static void unpause() {
		StepVerifier.create(TestRedis.client(commands, "UNPAUSE")).expectNext("OK").expectComplete().verify(VERIFY);
	}

	private static String sha1(String resource) {
		try (java.io.InputStream in = new org.springframework.core.io.ClassPathResource(resource).getInputStream()) {
			return java.util.HexFormat.of()
				.formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(in.readAllBytes()));
		}
		catch (java.io.IOException | java.security.NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Test
	void aCallerWaitingOnASlowRedisForTheCoolDownIsAnsweredByItsDeadline() {
		// Each look at the shared cool-down takes redis-timeout (50 ms) while Redis is
		// stalled, and the caller looks again every 100 ms: the time spent asking counts
		// against its deadline (it did not, and a 400 ms caller was answered after 600).
		KeyCooldown cooldown = new KeyCooldown(com.github.benmanes.caffeine.cache.Ticker.systemTicker(),
				new SimpleMeterRegistry(), storeAtDefaults("cdwait01"));
		pause(1500, "ALL");
		try {
			long start = System.nanoTime();
			StepVerifier.create(cooldown.guard(Duration.ofMillis(400), Operation.PORTAL_LINKS, Mono.just("called")))
				.expectErrorSatisfies((problem) -> assertThat(problem).isInstanceOf(GatewayProblem.class)
					.hasMessageContaining("pause"))
				.verify(VERIFY);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("answered by the deadline (plus 100 ms)")
				.isLessThan(Duration.ofMillis(500));
		}
		finally {
			unpause();
		}
	}

	@Test
	void dropsAConnectionToAServerThatBecameAReplica() {
		// As a master demoted after a Sentinel failover, when the store's connection
		// outlives the demotion: every write answers READONLY. Kept, that connection
		// would leave the store degraded for good; dropped, the next command connects
		// again (and, with Sentinel, asks the sentinels for the master).
		SharedQuotaStore store = storeAtDefaults("rdonly01");
		store.startHeartbeats();
		Poll.until(Duration.ofSeconds(5), () -> !store.isDegraded(), () -> "The store never reached Redis");
		List<String> before = otherClients();
		assertThat(before).isNotEmpty();
		try (TestRedis master = TestRedis.start()) {
			dev.portalgateway.Await.value(commands.replicaof("127.0.0.1", master.port()));
			try {
				StepVerifier.create(store.acquire(Operation.PORTAL_LINKS, 3, Duration.ofSeconds(60)))
					.expectErrorSatisfies((readOnly) -> assertThat(readOnly).hasMessageContaining("READONLY"))
					.verify(VERIFY);
				Poll.until(Duration.ofSeconds(5), () -> {
					List<String> now = otherClients();
					return !now.isEmpty() && before.stream().noneMatch(now::contains);
				}, () -> "The store kept its connection to the replica: " + before + " " + otherClients());
			}
			finally {
				dev.portalgateway.Await.value(commands.replicaofNoOne());
			}
		}
		Poll.until(Duration.ofSeconds(5), () -> !store.isDegraded(), () -> "The store did not come back");
	}

	/** The ids of the clients connected to the test Redis other than this test's own. */
	private static List<String> otherClients() {
		String own = Long.toString(dev.portalgateway.Await.value(commands.clientId()));
		return dev.portalgateway.Await.value(commands.clientList())
			.lines()
			.map((line) -> line.replaceAll("^id=(\\d+) .*", "$1"))
			.filter((id) -> !id.equals(own))
			.toList();
	}

	@Test
	void heartbeatsGoOnAfterOneOutlastsTheirInterval() {
		// A heartbeat that times out takes its full timeout (1 s at the defaults), as
		// long as the interval between heartbeats: the next tick must not end them.
		// Without heartbeats a degraded store never asks Redis again, and stays on
		// its local share for good.
		SharedQuotaStore store = storeAtDefaults("hbeat001");
		store.startHeartbeats();
		Poll.until(Duration.ofSeconds(5), () -> !store.isDegraded(), () -> "The store never reached Redis");
		pause(3500, "WRITE");
		try {
			// A permit that times out asks for a heartbeat at once, which times out too
			// and
			// degrades the store; from then on the loop sends one every second, into the
			// stall.
			StepVerifier.create(store.acquire(Operation.PORTAL_LINKS, 3, Duration.ofSeconds(60)))
				.expectError(java.util.concurrent.TimeoutException.class)
				.verify(VERIFY);
			Poll.until(Duration.ofSeconds(3), store::isDegraded, () -> "The heartbeats did not notice the stall");
		}
		finally {
			unpause();
		}
		Poll.until(Duration.ofSeconds(5), () -> !store.isDegraded(),
				() -> "The store stayed degraded after Redis answered again: its heartbeats stopped");
	}

	@Test
	void countsReplicasByHeartbeat() {
		SharedQuotaStore one = store("beat0001");
		SharedQuotaStore two = store("beat0001");
		StepVerifier.create(one.heartbeat().then(two.heartbeat())).expectNext(2).expectComplete().verify(VERIFY);
		assertThat(two.replicas()).isEqualTo(2);
		assertThat(List.of(one.isDegraded(), two.isDegraded())).containsOnly(false);
	}

	/**
	 * Two requests in flight at once each get {@code RateLimit-*} headers from their own
	 * permit, not from whichever permit was taken last.
	 */
	@Test
	void eachRequestSeesItsOwnPermitInItsHeaders() {
		// A redis-timeout of 1 s: an answer later than the default 50 ms (a loaded CI
		// machine) is asked for again, and the answer to that tells the count then, not
		// at
		// admission. Late answers at the default: aSlowAnswerAloneDoesNotDegradeTheStore.
		SharedQuotaStore store = store("seen0001");
		UpstreamQuotas quotas = new UpstreamQuotas(
				new RateLimitProperties(new RateLimitProperties.Quota(5, Duration.ofSeconds(60), null), null),
				"seen0001", com.github.benmanes.caffeine.cache.Ticker.systemTicker(), new SimpleMeterRegistry(), store);
		Sinks.One<String> firstAnswer = Sinks.one();
		Mono<Integer> first = quotas.observed(Operation.PORTAL_LINKS,
				firstAnswer.asMono().transform(quotas.guard(Operation.PORTAL_LINKS)),
				(value, quota) -> Mono.just(quota.remaining()));
		Mono<Integer> second = quotas.observed(Operation.PORTAL_LINKS,
				Mono.just("second").transform(quotas.guard(Operation.PORTAL_LINKS)),
				(value, quota) -> Mono.just(quota.remaining()));
		StepVerifier.create(first)
			// The first request's permit is taken (Redis holds it) before the second
			// asks.
			.then(() -> Poll.until(VERIFY, () -> Await.value(commands.zcard("{gw:seen0001}:quota:portal_links")) == 1,
					() -> "the first request took no permit"))
			.then(() -> StepVerifier.create(second).expectNext(3).expectComplete().verify(VERIFY))
			.then(() -> firstAnswer.tryEmitValue("first"))
			.expectNext(4)
			.expectComplete()
			.verify(VERIFY);
	}

	/**
	 * Another replica's cool-down is in Redis and Redis does not answer in time: the
	 * request must not take that as "no cool-down" and call WorkOS.
	 */
	@Test
	void aCooldownRedisCannotConfirmInTimeIsNotTakenAsNone() {
		SharedQuotaStore elsewhere = storeAtDefaults("pttl0001");
		SharedQuotaStore here = storeAtDefaults("pttl0001");
		StepVerifier.create(elsewhere.coolDown(Duration.ofSeconds(30)))
			.expectNextCount(1)
			.expectComplete()
			.verify(VERIFY);
		KeyCooldown cooldown = new KeyCooldown(com.github.benmanes.caffeine.cache.Ticker.systemTicker(),
				new SimpleMeterRegistry(), here);
		pause(150, "ALL");
		try {
			StepVerifier.create(cooldown.guard(Duration.ZERO, Operation.PORTAL_LINKS, Mono.just("called WorkOS")))
				.expectErrorSatisfies(
						(error) -> assertThat(((GatewayProblem) error).getHeaders().getFirst("Retry-After"))
							.isEqualTo("1"))
				.verify(VERIFY);
		}
		finally {
			unpause();
		}
	}

	/**
	 * A closed store stops its own Lettuce event loops and timers: one set per gateway
	 * context, which used to outlive it.
	 */
	@Test
	void aClosedStoreStopsItsThreads() {
		SharedQuotaStore store = new SharedQuotaStore(RedisURI.create(redis.url()), Duration.ofSeconds(2), "thrd0001",
				1, Duration.ofSeconds(1), new SimpleMeterRegistry());
		StepVerifier.create(store.heartbeat()).expectNext(1).expectComplete().verify(VERIFY);
		assertThat(store.isClosed()).isFalse();
		store.stopHeartbeats();
		StepVerifier.create(Flux.interval(Duration.ofMillis(50)).filter((tick) -> store.isClosed()).next())
			.expectNextCount(1)
			.expectComplete()
			.verify(VERIFY);
	}

}
