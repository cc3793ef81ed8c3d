package dev.portalgateway.ratelimit;

import java.time.Duration;

import dev.portalgateway.ManualTicker;
import dev.portalgateway.system.GatewayProblem;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

class KeyCooldownTests {

	private final ManualTicker ticker = new ManualTicker();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final KeyCooldown cooldown = new KeyCooldown(this.ticker, this.meters);

	@Test
	void letsCallsThroughWhenNotCoolingDown() {
		assertThat(this.cooldown.isActive()).isFalse();
		StepVerifier.create(this.cooldown.awaitWithin(Duration.ZERO, Operation.PORTAL_LINKS))
			.expectComplete()
			.verify(Duration.ofSeconds(1));
	}

	@Test
	void rejectsCallsThatCannotWaitWithTheTimeLeft() {
		this.cooldown.coolDown(Duration.ofSeconds(120));
		this.ticker.advance(Duration.ofSeconds(30));
		StepVerifier.create(this.cooldown.awaitWithin(Duration.ofSeconds(10), Operation.PORTAL_LINKS))
			.expectErrorSatisfies((error) -> assertThat(((GatewayProblem) error).getHeaders().getFirst("Retry-After"))
				.isEqualTo("90"))
			.verify(Duration.ofSeconds(1));
		assertThat(this.meters.get("gateway.ratelimit.cooldown.active").gauge().value()).isEqualTo(1);
		assertThat(this.meters.get("gateway.ratelimit.rejected")
			.tags("operation", "portal_links", "reason", "cooldown")
			.counter()
			.count()).isEqualTo(1);
	}

	@Test
	void makesCallsThatCanWaitWaitOutTheCooldown() {
		StepVerifier.withVirtualTime(() -> {
			KeyCooldown virtual = new KeyCooldown(ManualTicker.virtualTime(), new SimpleMeterRegistry());
			virtual.coolDown(Duration.ofSeconds(2));
			return virtual.awaitWithin(Duration.ofSeconds(10), Operation.PROVIDER_ICONS);
		})
			.expectSubscription()
			.expectNoEvent(Duration.ofMillis(1999))
			.thenAwait(Duration.ofMillis(1))
			.expectComplete()
			.verify(Duration.ofSeconds(1));
	}

	@Test
	void letsOneCallProbeAfterACooldownAndTheRestWaitForItsAnswer() {
		this.cooldown.coolDown(Duration.ofSeconds(2));
		this.ticker.advance(Duration.ofSeconds(2));
		StepVerifier.create(this.cooldown.awaitWithin(Duration.ZERO, Operation.PORTAL_LINKS))
			.as("the probe")
			.expectComplete()
			.verify(Duration.ofSeconds(1));
		StepVerifier.create(this.cooldown.awaitWithin(Duration.ZERO, Operation.PORTAL_LINKS))
			.as("a caller while the probe is out")
			.expectErrorSatisfies(
					(error) -> assertThat(((GatewayProblem) error).getHeaders().getFirst("Retry-After")).isEqualTo("1"))
			.verify(Duration.ofSeconds(1));
		// WorkOS answered the probe with something other than 429: everyone may go.
		this.cooldown.keyWorks();
		this.cooldown.attemptEnded();
		for (int i = 0; i < 3; i++) {
			StepVerifier.create(this.cooldown.awaitWithin(Duration.ZERO, Operation.PORTAL_LINKS))
				.expectComplete()
				.verify(Duration.ofSeconds(1));
		}
	}

	@Test
	void anotherProbeGoesWhenTheFirstEndsWithoutAnAnswer() {
		this.cooldown.coolDown(Duration.ofSeconds(1));
		this.ticker.advance(Duration.ofSeconds(1));
		StepVerifier.create(this.cooldown.awaitWithin(Duration.ZERO, Operation.PORTAL_LINKS))
			.expectComplete()
			.verify(Duration.ofSeconds(1));
		// The probe timed out: no answer, so the next call probes again.
		this.cooldown.attemptEnded();
		StepVerifier.create(this.cooldown.awaitWithin(Duration.ZERO, Operation.PORTAL_LINKS))
			.expectComplete()
			.verify(Duration.ofSeconds(1));
		StepVerifier.create(this.cooldown.awaitWithin(Duration.ZERO, Operation.PORTAL_LINKS))
			.expectError(GatewayProblem.class)
			.verify(Duration.ofSeconds(1));
	}

	@Test
	void neverShortensACooldown() {
		this.cooldown.coolDown(Duration.ofSeconds(60));
		this.cooldown.coolDown(Duration.ofSeconds(5));
		assertThat(this.cooldown.remaining()).isEqualTo(Duration.ofSeconds(60));
		this.ticker.advance(Duration.ofSeconds(60));
		assertThat(this.cooldown.isActive()).isFalse();
		assertThat(this.meters.get("gateway.ratelimit.cooldown.active").gauge().value()).isZero();
	}

}
