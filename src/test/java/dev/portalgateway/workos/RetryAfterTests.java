package dev.portalgateway.workos;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class RetryAfterTests {

	private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-28T12:00:00Z"), ZoneOffset.UTC);

	@ParameterizedTest
	@CsvSource(delimiter = '|', nullValues = "NULL",
			value = { "120 | PT2M", "1 | PT1S", "0 | PT1S", "' 30 ' | PT30S", "99999999999 | PT8760H",
					"999999 | PT277H46M39S", "'Sat, 28 Nov 2026 12:00:45 GMT' | PT45S",
					"'Sat, 28 Nov 2026 11:59:00 GMT' | PT1S", "NULL | PT7S", "'' | PT7S", "soon | PT7S", "-5 | PT7S",
					"1.5 | PT7S" })
	void readsDeltaSecondsAndHttpDatesWithAOneSecondFloor(String header, Duration expected) {
		assertThat(RetryAfter.parse(header, CLOCK, Duration.ofSeconds(7))).isEqualTo(expected);
	}

}
