package dev.portalgateway.caller;

import java.net.InetSocketAddress;
import java.time.Duration;

import dev.portalgateway.ManualTicker;
import dev.portalgateway.system.ClientKey;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-address failure budget at its defaults (20 per 10 s), on a manual clock.
 */
class FailureBudgetTests {

	private final ManualTicker ticker = new ManualTicker();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final FailureBudget budget = new FailureBudget(CallerAuthenticatorTests.FAILURE_BUDGET, this.ticker,
			this.meters);

	private static final InetSocketAddress ONE = new InetSocketAddress("10.0.0.1", 40000);

	@Test
	void allowsTwentyFailuresThenRefillsOneEvery500Ms() {
		for (int i = 0; i < 20; i++) {
			assertThat(this.budget.exhausted(ONE)).isZero();
			assertThat(this.budget.spend(ONE)).isZero();
		}
		assertThat(this.budget.exhausted(ONE)).isEqualTo(Duration.ofMillis(500));
		assertThat(this.budget.spend(ONE)).as("over budget: nothing spent").isEqualTo(Duration.ofMillis(500));
		this.ticker.advance(Duration.ofMillis(499));
		assertThat(this.budget.exhausted(ONE)).isEqualTo(Duration.ofMillis(1));
		this.ticker.advance(Duration.ofMillis(1));
		assertThat(this.budget.spend(ONE)).isZero();
		assertThat(this.budget.spend(ONE)).isEqualTo(Duration.ofMillis(500));
		this.ticker.advance(Duration.ofSeconds(10));
		for (int i = 0; i < 20; i++) {
			assertThat(this.budget.spend(ONE)).as("whole again after 10 s").isZero();
		}
		assertThat(this.budget.spend(ONE)).isPositive();
	}

	@Test
	void eachAddressHasItsOwnAndIpv6CountsBySlash64() {
		for (int i = 0; i < 20; i++) {
			this.budget.spend(ONE);
		}
		assertThat(this.budget.exhausted(new InetSocketAddress("10.0.0.2", 1))).isZero();
		assertThat(this.budget.exhausted(new InetSocketAddress("10.0.0.1", 1))).as("same address, other port")
			.isPositive();
		for (int i = 0; i < 20; i++) {
			this.budget.spend(new InetSocketAddress("2001:db8:1:2::1", 1));
		}
		assertThat(this.budget.exhausted(new InetSocketAddress("2001:db8:1:2:ffff::9", 1))).isPositive();
		assertThat(this.budget.exhausted(new InetSocketAddress("2001:db8:1:3::1", 1))).isZero();
		assertThat(ClientKey.of(new InetSocketAddress("2001:db8:1:2::1", 1))).isEqualTo("2001:db8:1:2::/64");
		assertThat(ClientKey.of(null)).isEqualTo("unknown");
	}

	@Test
	void remembersAtMostMaxAddresses() {
		FailureBudget small = new FailureBudget(
				new CallerProperties.FailureBudget(20, Duration.ofSeconds(10), 100, Duration.ofMinutes(1)), this.ticker,
				this.meters);
		for (int i = 0; i < 10_000; i++) {
			small.spend(new InetSocketAddress("10.1." + (i / 256) + "." + (i % 256), 1));
		}
		assertThat(this.meters.get("gateway.auth.failure.budget.addresses").gauges())
			.anySatisfy((gauge) -> assertThat(gauge.value()).isLessThanOrEqualTo(200));
	}

}
