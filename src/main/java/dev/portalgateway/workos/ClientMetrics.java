package dev.portalgateway.workos;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.portalgateway.ratelimit.Operation;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import reactor.core.publisher.Mono;

/**
 * {@code workos.client.requests}: one timing per attempt, tagged by operation, status and
 * outcome. Each timer is registered once, on its first use, and then looked up in a map
 * rather than built again per call.
 */
final class ClientMetrics {

	private final MeterRegistry meters;

	private final Map<Operation, Map<String, Timer>> timers = new ConcurrentHashMap<>();

	ClientMetrics(MeterRegistry meters) {
		this.meters = meters;
	}

	/**
	 * Times each subscription to {@code exchange}: its status is {@code 2xx}, the
	 * {@link UpstreamProblem}'s cause, {@code error} or {@code cancelled}.
	 */
	<T> Mono<T> timed(Operation operation, Mono<T> exchange) {
		return Mono.defer(() -> {
			Timer.Sample sample = Timer.start(this.meters);
			return exchange.doOnSuccess((value) -> sample.stop(timer(operation, "2xx")))
				.doOnError((failure) -> sample
					.stop(timer(operation, (failure instanceof UpstreamProblem problem) ? problem.cause() : "error")))
				.doOnCancel(() -> sample.stop(timer(operation, "cancelled")));
		});
	}

	private Timer timer(Operation operation, String status) {
		return this.timers.computeIfAbsent(operation, (key) -> new ConcurrentHashMap<>())
			.computeIfAbsent(status,
					(key) -> Timer.builder("workos.client.requests")
						.description("Calls to WorkOS, one per attempt")
						.tag("operation", operation.tag())
						.tag("status", status)
						.tag("outcome", outcome(status))
						.register(this.meters));
	}

	private static String outcome(String status) {
		return switch (status) {
			case "2xx" -> "success";
			case "429" -> "rate_limited";
			case "io_error", "timeout", "cancelled", "error" -> status;
			default -> status.startsWith("4") ? "client_error" : "server_error";
		};
	}

}
