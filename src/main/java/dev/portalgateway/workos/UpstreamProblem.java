package dev.portalgateway.workos;

import java.time.Duration;
import java.util.OptionalInt;

import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import org.jspecify.annotations.Nullable;

/**
 * A failed call to WorkOS, with what the retry policy needs to know: whether trying again
 * may help, and how long WorkOS asked us to wait.
 */
public class UpstreamProblem extends GatewayProblem {

	private final String cause;

	private final boolean retryable;

	private final @Nullable Duration retryAfter;

	/**
	 * @param cause short metric-safe name of what went wrong: a status such as
	 * {@code 503}, or {@code io_error} / {@code timeout}
	 */
	UpstreamProblem(ProblemCode code, String detail, String cause, boolean retryable, @Nullable Duration retryAfter,
			@Nullable Throwable failure) {
		super(code, detail, failure);
		this.cause = cause;
		this.retryable = retryable;
		this.retryAfter = retryAfter;
		if (retryAfter != null) {
			withRetryAfter(retryAfter);
		}
	}

	String cause() {
		return this.cause;
	}

	/** The status WorkOS answered with, when it answered at all. */
	public OptionalInt upstreamStatus() {
		return this.cause.chars().allMatch(Character::isDigit) ? OptionalInt.of(Integer.parseInt(this.cause))
				: OptionalInt.empty();
	}

	boolean retryable() {
		return this.retryable;
	}

	@Nullable Duration retryAfter() {
		return this.retryAfter;
	}

	/**
	 * What the caller gets when the next wait would cross its deadline: 429 for WorkOS's
	 * own rate limit, 504 for timeouts, 503 for the rest, each saying when to come back.
	 */
	GatewayProblem deadlineReached(Duration wait) {
		ProblemCode code = switch (code()) {
			case RATE_LIMITED, UPSTREAM_TIMEOUT -> code();
			default -> ProblemCode.UPSTREAM_UNAVAILABLE;
		};
		return new GatewayProblem(code, getBody().getDetail() + " Retrying would exceed the request's deadline.")
			.withRetryAfter(wait)
			.withUpstreamRequestId(upstreamRequestId());
	}

}
