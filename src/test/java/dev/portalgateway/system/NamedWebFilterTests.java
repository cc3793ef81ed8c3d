package dev.portalgateway.system;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's web filters name themselves with a string made once, not
 * {@code Object.toString()} (class name and identity hash, formatted per call).
 */
class NamedWebFilterTests {

	@Test
	void eachFilterIsNamedByItsClassWithOneString() {
		NamedWebFilter[] filters = { new RequestIds(), new UnreadBodies(), new ContextBoundary(),
				new ServerTimeouts.BodyDeadline(Duration.ofSeconds(1), Duration.ofSeconds(2)) };
		for (NamedWebFilter filter : filters) {
			assertThat(filter.toString()).isEqualTo(filter.getClass().getSimpleName()).isSameAs(filter.toString());
		}
	}

}
