package dev.portalgateway.system;

import org.junit.jupiter.api.Test;

import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpMethod;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;

import static org.assertj.core.api.Assertions.assertThat;

class ProblemsTests {

	private final Problems problems = new Problems();

	@Test
	void turnsAnUnexpectedFailureIntoInternalErrorWithoutItsMessage() {
		GatewayProblem problem = this.problems
			.toProblem(new IllegalStateException("secret sk_test_abc and a stack of internals"));
		assertThat(problem.code()).isEqualTo(ProblemCode.INTERNAL_ERROR);
		assertThat(problem.getStatusCode().value()).isEqualTo(500);
		assertThat(problem.getBody().getDetail()).doesNotContain("sk_test_").doesNotContain("internals");
	}

	@Test
	void mapsFrameworkErrorsByKind() {
		assertThat(this.problems.toProblem(new ResponseStatusException(org.springframework.http.HttpStatus.NOT_FOUND))
			.code()).isEqualTo(ProblemCode.NOT_FOUND);
		GatewayProblem methodNotAllowed = this.problems
			.toProblem(new MethodNotAllowedException(HttpMethod.PUT, java.util.Set.of(HttpMethod.POST)));
		assertThat(methodNotAllowed.code()).isEqualTo(ProblemCode.METHOD_NOT_ALLOWED);
		assertThat(methodNotAllowed.getHeaders().getFirst("Allow")).isEqualTo("POST");
		assertThat(this.problems.toProblem(new UnsupportedMediaTypeStatusException("x")).code())
			.isEqualTo(ProblemCode.UNSUPPORTED_MEDIA_TYPE);
		assertThat(this.problems.toProblem(new DataBufferLimitException("x")).code())
			.isEqualTo(ProblemCode.PAYLOAD_TOO_LARGE);
		assertThat(this.problems.toProblem(new ServerWebInputException("x")).code())
			.isEqualTo(ProblemCode.INVALID_REQUEST);
	}

	@Test
	void aCallerHangingUpMidBodyIsNotAnInternalError() {
		assertThat(this.problems.toProblem(new reactor.netty.channel.AbortedException("Connection has been closed"))
			.code()).isEqualTo(ProblemCode.INVALID_REQUEST);
	}

	@Test
	void keepsAGatewayProblemAsItIs() {
		GatewayProblem original = new GatewayProblem(ProblemCode.RATE_LIMITED, "slow down");
		assertThat(this.problems.toProblem(original)).isSameAs(original);
	}

	@Test
	void roundsRetryAfterUpToWholeSecondsOfAtLeastOne() {
		assertThat(new GatewayProblem(ProblemCode.RATE_LIMITED, "x").withRetryAfter(java.time.Duration.ZERO)
			.getHeaders()
			.getFirst("Retry-After")).isEqualTo("1");
		assertThat(new GatewayProblem(ProblemCode.RATE_LIMITED, "x").withRetryAfter(java.time.Duration.ofMillis(2001))
			.getHeaders()
			.getFirst("Retry-After")).isEqualTo("3");
	}

}
