package dev.portalgateway.system;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * An RFC 9457 problem the gateway answers with: a stable {@link ProblemCode}, a detail
 * for humans and optional field errors, headers and upstream request id.
 * <p>
 * The detail is shown to callers: never put a secret, a token or a generated link in it.
 */
public class GatewayProblem extends ErrorResponseException {

	private final ProblemCode code;

	public GatewayProblem(ProblemCode code, String detail) {
		this(code, detail, null);
	}

	public GatewayProblem(ProblemCode code, String detail, @Nullable Throwable cause) {
		super(code.status(), problemDetail(code, detail), cause);
		this.code = code;
		// Set here, not negotiated: a caller's Accept header must not turn a problem into
		// a 406.
		getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		getHeaders().setCacheControl(CacheControl.noStore());
	}

	private static ProblemDetail problemDetail(ProblemCode code, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(code.status(), detail);
		problem.setType(URI.create(ProblemCode.TYPE_PREFIX + code.code()));
		problem.setTitle(code.title());
		problem.setProperty("code", code.code());
		return problem;
	}

	public ProblemCode code() {
		return this.code;
	}

	/** Adds the field errors of a validation failure as the {@code errors} member. */
	public GatewayProblem withErrors(List<FieldError> errors) {
		getBody().setProperty("errors", List.copyOf(errors));
		return this;
	}

	/** The field errors, if this is a validation failure. */
	@SuppressWarnings("unchecked")
	public List<FieldError> errors() {
		Object errors = (getBody().getProperties() != null) ? getBody().getProperties().get("errors") : null;
		return (errors instanceof List<?> list) ? (List<FieldError>) list : List.of();
	}

	/** Adds an integer {@code Retry-After} header of at least one second. */
	public GatewayProblem withRetryAfter(Duration retryAfter) {
		getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(wholeSeconds(retryAfter)));
		return this;
	}

	/**
	 * A delay as HTTP headers give it: whole seconds, rounded up, at least one, so a
	 * caller never retries early or in a tight loop.
	 */
	public static long wholeSeconds(Duration delay) {
		return Math.max(1, (delay.toMillis() + 999) / 1000);
	}

	public GatewayProblem withHeader(String name, String value) {
		getHeaders().set(name, value);
		return this;
	}

	/** Records WorkOS's {@code X-Request-ID} so callers can quote it to support. */
	public GatewayProblem withUpstreamRequestId(@Nullable String upstreamRequestId) {
		if (upstreamRequestId != null) {
			getBody().setProperty("upstream_request_id", upstreamRequestId);
		}
		return this;
	}

	public @Nullable String upstreamRequestId() {
		Object value = (getBody().getProperties() != null) ? getBody().getProperties().get("upstream_request_id")
				: null;
		return (value != null) ? value.toString() : null;
	}

	@Override
	public String getMessage() {
		// Keeps log lines short and free of anything but code and detail.
		return this.code.code() + ": " + getBody().getDetail();
	}

	/**
	 * One entry of the {@code errors} member of a validation problem.
	 *
	 * @param field the snake_case name of the offending field, or {@code body}
	 * @param message what is wrong with it; never echoes the caller's value
	 */
	public record FieldError(String field, String message) {
	}

}
