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
			// Very long digit strings would overflow; a year is already far beyond any
			// useful wait (the caller caps it at gateway.retry.max-cooldown).
			long seconds = (value.length() > 8) ? Duration.ofDays(365).toSeconds() : Long.parseLong(value);
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

	/**
	 * The header as it may be logged: printable ASCII only, at most 40 characters.
	 */
	static String printable(@Nullable String header) {
		if (header == null) {
			return "(none)";
		}
		String printable = header.replaceAll("[^ -~]", "?");
		return (printable.length() > 40) ? printable.substring(0, 40) + "..." : printable;
	}

	private static Duration atLeastMinimum(Duration wait) {
		return (wait.compareTo(MINIMUM) < 0) ? MINIMUM : wait;
	}

}
