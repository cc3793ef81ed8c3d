package dev.portalgateway.ratelimit;

import java.io.IOException;
import java.time.Duration;

import dev.portalgateway.Poll;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A store whose connection goes silent while Redis stays up (a real Redis behind a relay
 * that stops relaying): Lettuce never notices such a connection, so the heartbeats drop
 * it after {@link Heartbeats#RECONNECT_AFTER} failures and connect anew; and a connect
 * that hangs is shared by every command waiting meanwhile, and its connection kept when
 * it opens, though they all gave up on it. At the default {@code redis-timeout} and
 * connect timeout.
 */
class SilentConnectionTests extends RedisStores {

	private SilentRelay relay;

	private SharedQuotaStore store;

	@BeforeEach
	void startStoreBehindRelay() throws IOException {
		this.relay = SilentRelay.to(redis.port());
		// As the gateway makes it: the relay's address, the other settings at their
		// defaults (connect timeout 2 s).
		this.store = new SharedQuotaStore(
				new RedisProperties(null, "127.0.0.1", this.relay.port(), null, null, null, null, null), null, "silent",
				1, new RateLimitProperties(null, null).redisTimeout(), new SimpleMeterRegistry());
		this.store.startHeartbeats();
		Poll.until(Duration.ofSeconds(10), () -> !this.store.isDegraded() && this.relay.open() == 1,
				() -> "The store did not connect through the relay (" + state() + ")");
	}

	@AfterEach
	void stopStoreAndRelay() throws IOException {
		this.store.stopHeartbeats();
		this.relay.close();
	}

	@Test
	void aConnectionThatGoesSilentIsDroppedAndTheStoreConnectsAnew() {
		this.relay.freezeOpenLinks();
		Poll.until(Duration.ofSeconds(10), this.store::isDegraded,
				() -> "The store did not notice its connection went silent (" + state() + ")");
		// At most a heartbeat (5 s) to notice, then RECONNECT_AFTER failed ones, a second
		// or two each (the timeout, and the tick after it), then one that succeeds.
		Poll.until(Duration.ofSeconds(15), () -> !this.store.isDegraded(),
				() -> "The store stayed degraded on a silent connection (" + state() + ")");
		assertThat(this.relay.openFrozen()).as("silent connections left open").isZero();
		assertThat(this.relay.open()).as("connections open").isOne();
	}

	@Test
	void aConnectThatHangsIsSharedByEveryoneWaitingAndKeptWhenItOpens() {
		holdTheConnectAfterTheSilentConnection();
		// A burst of commands meanwhile (and the heartbeats after it) wait for that
		// connect rather than starting one each.
		for (int i = 0; i < 20; i++) {
			this.store.acquire(Operation.PROVIDER_ICONS, 10, Duration.ofSeconds(1)).subscribe((decision) -> {
			}, (failure) -> {
			});
		}
		this.relay.release();
		Poll.until(Duration.ofSeconds(10), () -> !this.store.isDegraded() && this.relay.open() == 1,
				() -> "The store did not recover on the connect it waited for (" + state() + ")");
		assertThat(this.relay.accepted()).as("connections ever made").isEqualTo(2);
		assertThat(this.relay.openFrozen()).isZero();
	}

	@Test
	void aConnectThatHangsPastTheConnectTimeoutIsNotWaitedForAnyLonger() {
		holdTheConnectAfterTheSilentConnection();
		// The held connect ends with Lettuce's handshake timeout, which the gateway's
		// settings make the connect timeout (2 s; Lettuce's default is a minute); the
		// next
		// heartbeat then starts another.
		Poll.until(Duration.ofSeconds(10), () -> this.relay.accepted() >= 3,
				() -> "The store kept waiting for a connect that hangs (" + state() + ")");
		this.relay.release();
		Poll.until(Duration.ofSeconds(10), () -> !this.store.isDegraded() && this.relay.open() == 1,
				() -> "The store did not recover, or left a connection open (" + state() + ")");
	}

	/**
	 * Makes the connection silent and holds new ones: the heartbeats drop the silent one,
	 * and the next starts a connect that the relay holds (past the heartbeat's timeout,
	 * so it gives up on it).
	 */
	private void holdTheConnectAfterTheSilentConnection() {
		this.relay.hold();
		this.relay.freezeOpenLinks();
		Poll.until(Duration.ofSeconds(30), () -> this.relay.accepted() == 2,
				() -> "The store did not try to connect again (" + state() + ")");
	}

	private String state() {
		return "degraded " + this.store.isDegraded() + ", accepted " + this.relay.accepted() + ", open "
				+ this.relay.open() + ", of which silent " + this.relay.openFrozen();
	}

}
