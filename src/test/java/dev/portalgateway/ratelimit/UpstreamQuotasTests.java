package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import dev.portalgateway.ManualTicker;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
			new RateLimitProperties(new RateLimitProperties.Quota(3, Duration.ofSeconds(60), null),
					new RateLimitProperties.Quota(3, Duration.ofSeconds(60), null)),
			"ab12cd34", this.ticker, this.meters);

	@Test
	void namesTheIconLimiterByOperationAndKeyFingerprint() {
		assertThat(this.quotas.limiter(Operation.PROVIDER_ICONS).getName()).isEqualTo("provider_icons-ab12cd34");
	}

	/**
	 * One link through the guard, as the gateway's own caller: whether it was let
	 * through.
	 */
	private boolean link() {
		return link(this.quotas);
	}

	private static boolean link(UpstreamQuotas quotas) {
		AtomicBoolean granted = new AtomicBoolean();
		StepVerifier
			.create(Mono.just("called")
				.transform(quotas.guard(Operation.PORTAL_LINKS))
				.map((called) -> true)
				.onErrorResume(GatewayProblem.class, (refused) -> Mono.just(false)))
			.consumeNextWith(granted::set)
			.expectComplete()
			.verify(Duration.ofSeconds(5));
		return granted.get();
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
	void grantsTheLimitInAnyPeriodThenEachPermitAsItLeavesTheWindow() {
		assertThat(link()).isTrue();
		assertThat(link()).isTrue();
		this.ticker.advance(Duration.ofSeconds(20));
		assertThat(link()).isTrue();
		assertThat(link()).isFalse();
		assertThat(
				this.meters.get("gateway.ratelimit.available.permits").tag("operation", "portal_links").gauge().value())
			.isZero();
		// A sliding window: the first two leave 60 s after they came, the third 20 s
		// later.
		this.ticker.advance(Duration.ofSeconds(40));
		assertThat(link()).isTrue();
		assertThat(link()).isTrue();
		assertThat(link()).isFalse();
		this.ticker.advance(Duration.ofSeconds(20));
		assertThat(link()).isTrue();
	}

	@Test
	void describesTheQuotaInRateLimitHeaders() {
		assertThat(link()).isTrue();
		this.ticker.advance(Duration.ofMillis(14_500));
		HttpHeaders headers = new HttpHeaders();
		this.quotas.snapshot(Operation.PORTAL_LINKS).addTo(headers);
		assertThat(headers.getFirst("RateLimit-Limit")).isEqualTo("3");
		assertThat(headers.getFirst("RateLimit-Remaining")).isEqualTo("2");
		assertThat(headers.getFirst("RateLimit-Reset")).isEqualTo("46");
	}

	@Test
	void rejectsWith429UntilAPermitLeavesTheWindow() {
		for (int i = 0; i < 3; i++) {
			assertThat(link()).isTrue();
		}
		this.ticker.advance(Duration.ofSeconds(50));
		AtomicReference<Throwable> refusal = new AtomicReference<>();
		StepVerifier.create(Mono.just("called").transform(this.quotas.guard(Operation.PORTAL_LINKS)))
			.consumeErrorWith(refusal::set)
			.verify(Duration.ofSeconds(5));
		GatewayProblem problem = (GatewayProblem) refusal.get();
		assertThat(problem.code()).isEqualTo(ProblemCode.RATE_LIMITED);
		assertThat(problem.getHeaders().getFirst("Retry-After")).isEqualTo("10");
		assertThat(problem.getHeaders().getFirst("RateLimit-Remaining")).isEqualTo("0");
		assertThat(this.meters.get("gateway.ratelimit.rejected")
			.tags("operation", "portal_links", "reason", "quota")
			.counter()
			.count()).isEqualTo(1);
	}

	@Test
	void theLinkBudgetNeverExceedsTheLimitInAnySixtySeconds() {
		assertThat(maxCallsInAnySixtySeconds(Operation.PORTAL_LINKS,
				new RateLimitProperties.Quota(100, Duration.ofSeconds(60), null)))
			.isEqualTo(100);
	}

	@Test
	void theIconListsFixedWindowsAllowTwiceTheLimitAcrossABoundary() {
		assertThat(maxCallsInAnySixtySeconds(Operation.PROVIDER_ICONS,
				new RateLimitProperties.Quota(100, Duration.ofSeconds(60), null)))
			.isEqualTo(200);
	}

	@Test
	void theReadmesSmallWindowsNeverExceedTheLimitInAnySixtySeconds() {
		assertThat(maxCallsInAnySixtySeconds(Operation.PROVIDER_ICONS,
				new RateLimitProperties.Quota(1, Duration.ofMillis(607), null)))
			.isBetween(98, 100);
	}

	/**
	 * Callers, quiet for the limiter's first 59 s, then ask for a permit every
	 * millisecond for five minutes; the busiest 60 s are counted.
	 */
	private static int maxCallsInAnySixtySeconds(Operation operation, RateLimitProperties.Quota quota) {
		ManualTicker ticker = new ManualTicker();
		UpstreamQuotas quotas = new UpstreamQuotas(new RateLimitProperties(quota, quota), "x", ticker,
				new SimpleMeterRegistry());
		ticker.advance(Duration.ofSeconds(59));
		BooleanSupplier permit = (operation == Operation.PORTAL_LINKS) ? () -> link(quotas)
				: quotas.limiter(operation)::acquirePermission;
		java.util.ArrayDeque<Long> granted = new java.util.ArrayDeque<>();
		int busiest = 0;
		for (long ms = 0; ms < 300_000; ms++) {
			if (permit.getAsBoolean()) {
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
			Mono<String> call = Mono.just("called").transformDeferred(patient.guard(Operation.PORTAL_LINKS));
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
	void whileRedisIsAwayEachReplicaSharesItsLocalShareFairly() {
		// Redis not there at startup: the store starts degraded; 2 replicas expected, so
		// this one has 10 of the 20 links per 10 s, shared fairly among the callers it
		// sees.
		SharedQuotaStore away = new SharedQuotaStore(RedisURI.create("redis://127.0.0.1:1"), Duration.ofMillis(200),
				"away0001", 2, Duration.ofMillis(50), new SimpleMeterRegistry());
		try {
			assertThat(away.isDegraded()).isTrue();
			UpstreamQuotas quotas = new UpstreamQuotas(
					new RateLimitProperties(new RateLimitProperties.Quota(20, Duration.ofSeconds(10), null), null),
					"away0001", this.ticker, new SimpleMeterRegistry(), away);
			FairShare.Claimant quiet = new FairShare.Claimant("quiet", 1, 0);
			FairShare.Claimant noisy = new FairShare.Claimant("noisy", 1, 0);
			assertThat(link(quotas, quiet)).isNull();
			int noisyLinks = 0;
			for (int i = 0; i < 20; i++) {
				noisyLinks += (link(quotas, noisy) == null) ? 1 : 0;
			}
			// Of the local 10: quiet's share of 5 is held for it (1 used), noisy gets 5.
			assertThat(noisyLinks).isEqualTo(5);
			assertThat(link(quotas, noisy).code()).isEqualTo(ProblemCode.CALLER_QUOTA_EXCEEDED);
			for (int i = 0; i < 4; i++) {
				assertThat(link(quotas, quiet)).isNull();
			}
		}
		finally {
			away.stopHeartbeats();
		}
	}

	/** One link for this caller: null if let through, else the refusal. */
	private static GatewayProblem link(UpstreamQuotas quotas, FairShare.Claimant caller) {
		AtomicReference<GatewayProblem> refusal = new AtomicReference<>();
		StepVerifier.create(Mono.just("called")
			.transform(quotas.guard(Operation.PORTAL_LINKS, Long.MAX_VALUE, caller))
			.onErrorResume(GatewayProblem.class, (refused) -> {
				refusal.set(refused);
				return Mono.just("refused");
			})).expectNextCount(1).expectComplete().verify(Duration.ofSeconds(5));
		return refusal.get();
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
				LocalShares.Share share = LocalShares.Share.of(quota, replicas);
				assertThat(share.permits()).isGreaterThanOrEqualTo(1);
				// Calls per minute the whole fleet allows.
				double fleet = replicas * share.permits() * 60e9 / share.period().toNanos();
				assertThat(fleet).as("limit %d over %d replicas", limit, replicas).isLessThanOrEqualTo(limit);
			}
		}
		assertThat(LocalShares.Share.of(new RateLimitProperties.Quota(2, Duration.ofSeconds(60), Duration.ZERO), 3))
			.isEqualTo(new LocalShares.Share(1, Duration.ofSeconds(90)));
	}

}
