package dev.portalgateway.reliability;

import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * What a scenario sent and got back.
 *
 * @param sent requests sent
 * @param answers one per answered request (a status of 0 is a transport failure)
 */
record Tally(int sent, List<Answer> answers) {

	long count(int from, int to) {
		return this.answers.stream().filter((answer) -> answer.status() >= from && answer.status() <= to).count();
	}

	long status(int status) {
		return count(status, status);
	}

	/** 429s without an integer Retry-After of at least one second. */
	long unexplained429s() {
		return this.answers.stream().filter((answer) -> answer.status() == 429).filter((answer) -> {
			String retryAfter = answer.retryAfter();
			return retryAfter == null || !retryAfter.matches("[1-9][0-9]*");
		}).count();
	}

	/**
	 * The line the README's figures come from:
	 * {@code scenario: sent=…, answered=…, 2xx=…, 429=…, 5xx=…, upstream=…}.
	 */
	String line(String scenario, int upstream) {
		return String.format(Locale.ROOT, "%s: sent=%d, answered=%d, 2xx=%d, 429=%d, 5xx=%d, upstream=%d", scenario,
				this.sent, count(100, 599), count(200, 299), status(429), count(500, 599), upstream);
	}

	/**
	 * One answer.
	 *
	 * @param status the HTTP status, 0 when the request failed without one
	 * @param retryAfter the Retry-After header, if any
	 * @param code the problem code, if any
	 */
	record Answer(int status, @Nullable String retryAfter, @Nullable String code) {
	}

}
