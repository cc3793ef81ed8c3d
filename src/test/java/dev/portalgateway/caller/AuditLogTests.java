package dev.portalgateway.caller;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.mock.web.reactive.function.server.MockServerRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The audit line names the caller's trace only for a well-formed W3C {@code traceparent};
 * anything else is left out, never echoed.
 */
class AuditLogTests {

	@ParameterizedTest
	@ValueSource(strings = { "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
			"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-future-field" })
	void takesTheTraceIdOfAWellFormedTraceparent(String traceparent) {
		assertThat(AuditLog.traceId(request(traceparent))).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
			"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
			"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
			"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nX-Forged: 1",
			"00-4bf92f3577b34da6a3ce929d0e0e4736 request_id=forged-00f067aa0ba902b7-01" })
	void leavesOutAnythingElse(String traceparent) {
		assertThat(AuditLog.traceId(request(traceparent))).isNull();
	}

	@Test
	void leavesOutAMissingHeader() {
		assertThat(AuditLog.traceId(MockServerRequest.builder().build())).isNull();
	}

	private static MockServerRequest request(String traceparent) {
		return MockServerRequest.builder().header("traceparent", traceparent).build();
	}

}
