package dev.portalgateway.ratelimit;

import java.time.Duration;

import dev.portalgateway.ManualTicker;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.github.resilience4j.reactor.ratelimiter.operator.RateLimiterOperator;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.http.HttpHeaders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class UpstreamQuotasTests {

	private final ManualTicker ticker = new ManualTicker();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final UpstreamQuotas quotas = new UpstreamQuotas(
			new RateLimitProperties(new RateLimitProperties.Quota(3, Duration.ofSeconds(60), null), null), "ab12cd34",
			this.ticker, this.meters);

	@Test
	void namesLimitersByOperationAndKeyFingerprint() {
		assertThat(this.quotas.limiter(Operation.PORTAL_LINKS).getName()).isEqualTo("portal_links-ab12cd34");
		assertThat(this.quotas.limiter(Operation.PROVIDER_ICONS).getName()).isEqualTo("provider_icons-ab12cd34");
	}

	@Test
	void usesDefaultsOf100And1000PerMinute() {
		RateLimitProperties defaults = new RateLimitProperties(null, null);
		assertThat(defaults.portalLinks())
			.isEqualTo(new RateLimitProperties.Quota(100, Duration.ofSeconds(60), Duration.ZERO));
		assertThat(defaults.providerIcons())
			.isEqualTo(new RateLimitProperties.Quota(1000, Duration.ofSeconds(60), Duration.ZERO));
	}

	@Test
	void grantsTheLimitPerWindowThenRefills() {
		RateLimiter limiter = this.quotas.limiter(Operation.PORTAL_LINKS);
		assertThat(limiter.acquirePermission()).isTrue();
		assertThat(limiter.acquirePermission()).isTrue();
		this.ticker.advance(Duration.ofSeconds(20));
		assertThat(limiter.acquirePermission()).isTrue();
		assertThat(limiter.acquirePermission()).isFalse();
		assertThat(
				this.meters.get("gateway.ratelimit.available.permits").tag("operation", "portal_links").gauge().value())
			.isZero();
		this.ticker.advance(Duration.ofSeconds(40));
		assertThat(limiter.acquirePermission()).isTrue();
	}

	@Test
	void describesTheQuotaInRateLimitHeaders() {
		this.quotas.limiter(Operation.PORTAL_LINKS).acquirePermission();
		this.ticker.advance(Duration.ofMillis(14_500));
		HttpHeaders headers = new HttpHeaders();
		this.quotas.snapshot(Operation.PORTAL_LINKS).addTo(headers);
		assertThat(headers.getFirst("RateLimit-Limit")).isEqualTo("3");
		assertThat(headers.getFirst("RateLimit-Remaining")).isEqualTo("2");
		assertThat(headers.getFirst("RateLimit-Reset")).isEqualTo("46");
	}

	@Test
	void rejectsWith429UntilTheWindowEnds() {
		RateLimiter limiter = this.quotas.limiter(Operation.PORTAL_LINKS);
		for (int i = 0; i < 3; i++) {
			limiter.acquirePermission();
		}
		this.ticker.advance(Duration.ofSeconds(50));
		GatewayProblem problem = this.quotas.rejected(Operation.PORTAL_LINKS);
		assertThat(problem.code()).isEqualTo(ProblemCode.RATE_LIMITED);
		assertThat(problem.getHeaders().getFirst("Retry-After")).isEqualTo("10");
		assertThat(problem.getHeaders().getFirst("RateLimit-Remaining")).isEqualTo("0");
		assertThat(this.meters.get("gateway.ratelimit.rejected")
			.tags("operation", "portal_links", "reason", "quota")
			.counter()
			.count()).isEqualTo(1);
	}

	@Test
	void defaultFixedWindowsAllowTwiceTheLimitAcrossABoundary() {
		assertThat(maxCallsInAnySixtySeconds(new RateLimitProperties.Quota(100, Duration.ofSeconds(60), null)))
			.isEqualTo(200);
	}

	@Test
	void theReadmesSmallWindowsNeverExceedTheLimitInAnySixtySeconds() {
		assertThat(maxCallsInAnySixtySeconds(new RateLimitProperties.Quota(1, Duration.ofMillis(607), null)))
			.isBetween(98, 100);
	}

	/**
	 * Callers, quiet for the limiter's first 59 s, then ask for a permit every
	 * millisecond for five minutes; the busiest 60 s are counted.
	 */
	private static int maxCallsInAnySixtySeconds(RateLimitProperties.Quota quota) {
		ManualTicker ticker = new ManualTicker();
		UpstreamQuotas quotas = new UpstreamQuotas(new RateLimitProperties(quota, null), "x", ticker,
				new SimpleMeterRegistry());
		ticker.advance(Duration.ofSeconds(59));
		RateLimiter limiter = quotas.limiter(Operation.PORTAL_LINKS);
		java.util.ArrayDeque<Long> granted = new java.util.ArrayDeque<>();
		int busiest = 0;
		for (long ms = 0; ms < 300_000; ms++) {
			if (limiter.acquirePermission()) {
				granted.addLast(ms);
			}
			while (!granted.isEmpty() && granted.peekFirst() <= ms - 60_000) {
				granted.removeFirst();
			}
			busiest = Math.max(busiest, granted.size());
			ticker.advance(Duration.ofMillis(1));
		}
		return busiest;
	}

	@Test
	void letsARequestWaitUpToMaxWaitForAPermitWithoutBlocking() {
		StepVerifier.withVirtualTime(() -> {
			UpstreamQuotas patient = new UpstreamQuotas(
					new RateLimitProperties(
							new RateLimitProperties.Quota(1, Duration.ofSeconds(1), Duration.ofSeconds(2)), null),
					"x", ManualTicker.virtualTime(), new SimpleMeterRegistry());
			Mono<String> call = Mono.just("called")
				.transformDeferred(RateLimiterOperator.of(patient.limiter(Operation.PORTAL_LINKS)));
			return call.concatWith(call).concatWith(call);
		})
			.expectNext("called")
			.expectNoEvent(Duration.ofMillis(999))
			.thenAwait(Duration.ofMillis(1))
			.expectNext("called")
			.thenAwait(Duration.ofSeconds(1))
			.expectNext("called")
			.expectComplete()
			.verify(Duration.ofSeconds(5));
	}

	@Test
	void refusesQuotasThatMakeNoSense() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RateLimitProperties(new RateLimitProperties.Quota(0, null, null), null))
			.withMessage("gateway.rate-limit.portal-links.limit must be at least 1");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RateLimitProperties(null, new RateLimitProperties.Quota(null, Duration.ZERO, null)))
			.withMessage("gateway.rate-limit.provider-icons.period must be at least 1ms");
	}

	/**
	 * While Redis is away each replica enforces a share; with fewer permits than replicas
	 * a share of one per window would let the fleet exceed the limit, so the window
	 * stretches instead.
	 */
	@Test
	void degradedSharesNeverAddUpToMoreThanTheLimit() {
		for (int limit : new int[] { 1, 2, 3, 7, 10, 100 }) {
			for (int replicas = 1; replicas <= 12; replicas++) {
				RateLimitProperties.Quota quota = new RateLimitProperties.Quota(limit, Duration.ofSeconds(60),
						Duration.ZERO);
				UpstreamQuotas.Share share = UpstreamQuotas.Share.of(quota, replicas);
				assertThat(share.permits()).isGreaterThanOrEqualTo(1);
				// Calls per minute the whole fleet allows.
				double fleet = replicas * share.permits() * 60e9 / share.period().toNanos();
				assertThat(fleet).as("limit %d over %d replicas", limit, replicas).isLessThanOrEqualTo(limit);
			}
		}
		assertThat(UpstreamQuotas.Share.of(new RateLimitProperties.Quota(2, Duration.ofSeconds(60), Duration.ZERO), 3))
			.isEqualTo(new UpstreamQuotas.Share(1, Duration.ofSeconds(90)));
	}

}
