package dev.portalgateway.workos;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import org.jspecify.annotations.Nullable;

/**
 * Reads WorkOS's {@code Retry-After} header (RFC 9110 §10.2.3): delta-seconds or an
 * HTTP-date. WorkOS has been seen sending {@code 0}; anything below one second counts as
 * one second so a caller never retries in a tight loop.
 */
final class RetryAfter {

	static final Duration MINIMUM = Duration.ofSeconds(1);

	private RetryAfter() {
	}

	/**
	 * The wait the header asks for, at least {@link #MINIMUM}; {@code fallback} when the
	 * header is absent or unreadable.
	 */
	static Duration parse(@Nullable String header, Clock clock, Duration fallback) {
		if (header == null || header.isBlank()) {
			return atLeastMinimum(fallback);
		}
		String value = header.strip();
		if (value.chars().allMatch(Character::isDigit)) {
			// Very long digit strings would overflow; a day is already far beyond any
			// useful wait.
			long seconds = (value.length() > 6) ? Duration.ofDays(1).toSeconds() : Long.parseLong(value);
			return atLeastMinimum(Duration.ofSeconds(seconds));
		}
		try {
			ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
			return atLeastMinimum(Duration.between(clock.instant(), at.toInstant()));
		}
		catch (DateTimeParseException ex) {
			return atLeastMinimum(fallback);
		}
	}

	private static Duration atLeastMinimum(Duration wait) {
		return (wait.compareTo(MINIMUM) < 0) ? MINIMUM : wait;
	}

}
