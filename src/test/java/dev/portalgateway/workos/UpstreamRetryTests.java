package dev.portalgateway.workos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.portalgateway.ManualTicker;
import dev.portalgateway.ratelimit.Operation;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retry policy on virtual time: what is retried, how long it waits, when it stops.
 */
class UpstreamRetryTests {

	private static final Duration VERIFY = Duration.ofSeconds(5);

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final UpstreamRetry retry = new UpstreamRetry(new RetryProperties(3, Duration.ofMillis(500), 2,
			Duration.ofSeconds(8), 0, Duration.ofSeconds(10), Duration.ofMinutes(5)), ManualTicker.virtualTime(),
			this.meters);

	/** Virtual times (ms) at which each attempt was made. */
	private final List<Long> attempts = new ArrayList<>();

	@Test
	void backsOffExponentiallyThenGivesUpAfterFourAttempts() {
		StepVerifier.withVirtualTime(() -> failing(problem(503, true, null)))
			.thenAwait(Duration.ofSeconds(30))
			.expectErrorSatisfies((error) -> {
				assertThat(((GatewayProblem) error).code()).isEqualTo(ProblemCode.UPSTREAM_ERROR);
				assertThat(((GatewayProblem) error).getStatusCode().value()).isEqualTo(502);
			})
			.verify(VERIFY);
		assertThat(this.attempts).containsExactly(0L, 500L, 1500L, 3500L);
		assertThat(this.meters.get("workos.client.retries").tag("cause", "503").counter().count()).isEqualTo(3);
	}

	@Test
	void retriesAfterRetryAfterSecondsInsteadOfTheBackoff() {
		StepVerifier.withVirtualTime(() -> failingThenSucceeding(problem(429, true, Duration.ofSeconds(3)), 1))
			.thenAwait(Duration.ofSeconds(3))
			.expectNext("ok")
			.expectComplete()
			.verify(VERIFY);
		assertThat(this.attempts).containsExactly(0L, 3000L);
	}

	@Test
	void stopsAtOnceWhenTheNextWaitWouldCrossTheDeadline() {
		StepVerifier.withVirtualTime(() -> failing(problem(429, true, Duration.ofSeconds(120))))
			.expectErrorSatisfies((error) -> {
				GatewayProblem problem = (GatewayProblem) error;
				assertThat(problem.code()).isEqualTo(ProblemCode.RATE_LIMITED);
				assertThat(problem.getHeaders().getFirst("Retry-After")).isEqualTo("120");
			})
			.verify(VERIFY);
		assertThat(this.attempts).containsExactly(0L);
	}

	@Test
	void answers503WithRetryAfterWhenBackoffWouldCrossTheDeadline() {
		UpstreamRetry tight = new UpstreamRetry(new RetryProperties(3, Duration.ofSeconds(2), 2, Duration.ofSeconds(8),
				0, Duration.ofSeconds(3), Duration.ofMinutes(5)), ManualTicker.virtualTime(), this.meters);
		StepVerifier
			.withVirtualTime(
					() -> attempt(problem(503, true, null)).retryWhen(tight.until(deadline(3), Operation.PORTAL_LINKS)))
			.thenAwait(Duration.ofSeconds(10))
			.expectErrorSatisfies((error) -> {
				GatewayProblem problem = (GatewayProblem) error;
				assertThat(problem.code()).isEqualTo(ProblemCode.UPSTREAM_UNAVAILABLE);
				assertThat(problem.getStatusCode().value()).isEqualTo(503);
				assertThat(problem.getHeaders().getFirst("Retry-After")).isEqualTo("4");
			})
			.verify(VERIFY);
		assertThat(this.attempts).containsExactly(0L, 2000L);
	}

	@Test
	void keepsTimeoutsAs504WhenTheDeadlineStopsThem() {
		UpstreamProblem timeout = new UpstreamProblem(ProblemCode.UPSTREAM_TIMEOUT, "slow", "timeout", true, null,
				null);
		assertThat(timeout.deadlineReached(Duration.ofSeconds(2)).getStatusCode().value()).isEqualTo(504);
	}

	@Test
	void neverRetriesNonRetryableFailures() {
		StepVerifier.withVirtualTime(() -> failing(problem(404, false, null)))
			.expectErrorSatisfies((error) -> assertThat(((GatewayProblem) error).code())
				.isEqualTo(ProblemCode.ORGANIZATION_NOT_FOUND))
			.verify(VERIFY);
		assertThat(this.attempts).containsExactly(0L);
	}

	@Test
	void passesOtherErrorsThroughUntouched() {
		IllegalStateException bug = new IllegalStateException("bug");
		StepVerifier
			.withVirtualTime(
					() -> Mono.<String>error(bug).retryWhen(this.retry.until(deadline(10), Operation.PORTAL_LINKS)))
			.expectErrorMatches((error) -> error == bug)
			.verify(VERIFY);
	}

	@Test
	void capsTheBackoff() {
		assertThat(List.of(0, 1, 2, 3, 4, 5).stream().map((n) -> this.retry.backoff(n).toMillis()))
			.containsExactly(500L, 1000L, 2000L, 4000L, 8000L, 8000L);
	}

	@Test
	void spreadsTheBackoffByTheJitter() {
		UpstreamRetry jittery = new UpstreamRetry(new RetryProperties(3, Duration.ofMillis(1000), 2,
				Duration.ofSeconds(8), 0.25, Duration.ofSeconds(10), Duration.ofMinutes(5)), ManualTicker.virtualTime(),
				this.meters);
		for (int i = 0; i < 200; i++) {
			assertThat(jittery.backoff(1).toMillis()).isBetween(1500L, 2500L);
		}
	}

	private Mono<String> failing(UpstreamProblem problem) {
		return attempt(problem).retryWhen(this.retry.until(deadline(10), Operation.PORTAL_LINKS));
	}

	private Mono<String> failingThenSucceeding(UpstreamProblem problem, int failures) {
		return Mono.defer(() -> {
			this.attempts.add(VirtualTimeScheduler.get().now(TimeUnit.MILLISECONDS));
			return (this.attempts.size() <= failures) ? Mono.<String>error(problem) : Mono.just("ok");
		}).retryWhen(this.retry.until(deadline(10), Operation.PORTAL_LINKS));
	}

	private Mono<String> attempt(UpstreamProblem problem) {
		return Mono.defer(() -> {
			this.attempts.add(VirtualTimeScheduler.get().now(TimeUnit.MILLISECONDS));
			return Mono.error(problem);
		});
	}

	private static long deadline(int seconds) {
		return VirtualTimeScheduler.get().now(TimeUnit.NANOSECONDS) + Duration.ofSeconds(seconds).toNanos();
	}

	private static UpstreamProblem problem(int status, boolean retryable, Duration retryAfter) {
		ProblemCode code = switch (status) {
			case 404 -> ProblemCode.ORGANIZATION_NOT_FOUND;
			case 429 -> ProblemCode.RATE_LIMITED;
			default -> ProblemCode.UPSTREAM_ERROR;
		};
		return new UpstreamProblem(code, "WorkOS answered " + status + ".", Integer.toString(status), retryable,
				retryAfter, null);
	}

}
