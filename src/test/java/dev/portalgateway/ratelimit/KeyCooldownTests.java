package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.portalgateway.ManualTicker;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

class KeyCooldownTests {

	private final ManualTicker ticker = new ManualTicker();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final KeyCooldown cooldown = new KeyCooldown(this.ticker, this.meters);

	private Mono<String> guarded(Duration patience, Mono<String> attempt) {
		return this.cooldown.guard(patience, Operation.PORTAL_LINKS, attempt);
	}

	@Test
	void letsCallsThroughWhenNotCoolingDown() {
		assertThat(this.cooldown.isActive()).isFalse();
		StepVerifier.create(guarded(Duration.ZERO, Mono.just("called")))
			.expectNext("called")
			.expectComplete()
			.verify(Duration.ofSeconds(1));
	}

	@Test
	void rejectsCallsThatCannotWaitWithTheTimeLeft() {
		this.cooldown.coolDown(Duration.ofSeconds(120));
		this.ticker.advance(Duration.ofSeconds(30));
		AtomicBoolean called = new AtomicBoolean();
		StepVerifier.create(guarded(Duration.ofSeconds(10), Mono.fromSupplier(() -> {
			called.set(true);
			return "called";
		})))
			.expectErrorSatisfies((error) -> assertThat(((GatewayProblem) error).getHeaders().getFirst("Retry-After"))
				.isEqualTo("90"))
			.verify(Duration.ofSeconds(1));
		assertThat(called).isFalse();
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
			return virtual.guard(Duration.ofSeconds(10), Operation.PROVIDER_ICONS, Mono.just("called"));
		})
			.expectSubscription()
			.expectNoEvent(Duration.ofMillis(1999))
			.thenAwait(Duration.ofMillis(1))
			.expectNext("called")
			.expectComplete()
			.verify(Duration.ofSeconds(1));
	}

	@Test
	void letsOneCallProbeAfterACooldownAndTheRestWaitForItsAnswer() {
		this.cooldown.coolDown(Duration.ofSeconds(2));
		this.ticker.advance(Duration.ofSeconds(2));
		Sinks.One<String> answer = Sinks.one();
		StepVerifier.create(guarded(Duration.ofSeconds(5), answer.asMono())).as("the probe").then(() -> {
			assertThat(this.cooldown.probing()).isTrue();
			StepVerifier.create(guarded(Duration.ZERO, Mono.just("called")))
				.as("a caller while the probe is out")
				.expectErrorSatisfies(
						(error) -> assertThat(((GatewayProblem) error).getHeaders().getFirst("Retry-After"))
							.isEqualTo("1"))
				.verify(Duration.ofSeconds(1));
			// WorkOS answered the probe with something other than 429.
			this.cooldown.keyWorks();
			answer.tryEmitValue("link");
		}).expectNext("link").expectComplete().verify(Duration.ofSeconds(1));
		assertThat(this.cooldown.probing()).isFalse();
		for (int i = 0; i < 3; i++) {
			StepVerifier.create(guarded(Duration.ZERO, Mono.just("called")))
				.expectNext("called")
				.expectComplete()
				.verify(Duration.ofSeconds(1));
		}
	}

	/**
	 * The probe is given back however its attempt ends, without WorkOS having answered:
	 * refused by the quota (an error), failed, empty, or cancelled by the caller. The
	 * next caller then probes.
	 */
	@Test
	void releasesTheProbeOnEveryPath() {
		List<Mono<String>> endings = List.of(Mono.error(new GatewayProblem(ProblemCode.RATE_LIMITED, "no permit")),
				Mono.error(new IllegalStateException("a bug")), Mono.empty(), Mono.just("answered"));
		this.cooldown.coolDown(Duration.ofSeconds(1));
		this.ticker.advance(Duration.ofSeconds(1));
		for (Mono<String> ending : endings) {
			StepVerifier.create(guarded(Duration.ofSeconds(5), ending).onErrorResume((failure) -> Mono.empty()))
				.thenConsumeWhile((any) -> true)
				.expectComplete()
				.verify(Duration.ofSeconds(1));
			assertThat(this.cooldown.probing()).as("released after %s", ending).isFalse();
		}
		StepVerifier.create(guarded(Duration.ofSeconds(5), Mono.never()))
			.expectSubscription()
			.then(() -> assertThat(this.cooldown.probing()).isTrue())
			.thenCancel()
			.verify(Duration.ofSeconds(1));
		assertThat(this.cooldown.probing()).as("released after a cancel").isFalse();
		StepVerifier.create(guarded(Duration.ZERO, Mono.just("next probe")))
			.expectNext("next probe")
			.expectComplete()
			.verify(Duration.ofSeconds(1));
	}

	@Test
	void aProbeLeaseExpiresJustAfterItsDeadlineEvenIfNeverReleased() {
		this.cooldown.coolDown(Duration.ofSeconds(1));
		this.ticker.advance(Duration.ofSeconds(1));
		// Taken outside guard: nothing will ever release it.
		StepVerifier.create(this.cooldown.awaitWithin(Duration.ofSeconds(3), Operation.PORTAL_LINKS))
			.expectNextCount(1)
			.expectComplete()
			.verify(Duration.ofSeconds(1));
		StepVerifier.create(guarded(Duration.ZERO, Mono.just("called")))
			.expectError(GatewayProblem.class)
			.verify(Duration.ofSeconds(1));
		// At its deadline the probe is being timed out: the lease waits LEASE_GRACE for
		// it
		// to end, so two probes never overlap.
		this.ticker.advance(Duration.ofSeconds(3));
		StepVerifier.create(guarded(Duration.ZERO, Mono.just("called")))
			.expectError(GatewayProblem.class)
			.verify(Duration.ofSeconds(1));
		this.ticker.advance(KeyCooldown.LEASE_GRACE);
		StepVerifier.create(guarded(Duration.ZERO, Mono.just("called")))
			.expectNext("called")
			.expectComplete()
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
