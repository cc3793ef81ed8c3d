package dev.portalgateway.system;

import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.core.annotation.Order;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.result.view.ViewResolver;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

/**
 * The last line of defence: renders anything no router handled (unknown paths, framework
 * errors, faults in filters) as a problem, ahead of Boot's HTML/JSON error page handler.
 */
@Component
@Order(-2)
class ProblemExceptionHandler implements WebExceptionHandler {

	private final Problems problems;

	private final ServerResponse.Context context;

	ProblemExceptionHandler(Problems problems, ServerCodecConfigurer codecs) {
		this.problems = problems;
		List<HttpMessageWriter<?>> writers = codecs.getWriters();
		this.context = new ServerResponse.Context() {

			@Override
			public List<HttpMessageWriter<?>> messageWriters() {
				return writers;
			}

			@Override
			public List<ViewResolver> viewResolvers() {
				return List.of();
			}

		};
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable failure) {
		if (MalformedRequests.answeredByTheServer(exchange)) {
			// Reactor Netty answered 400 for a body HTTP could not read, and
			// MalformedRequests logged it; writing the route's problem after it failed,
			// and was logged as a 500 with its stack trace, once per such request.
			return Mono.empty();
		}
		if (exchange.getResponse().isCommitted()) {
			return Mono.error(failure);
		}
		return this.problems.render(exchange, failure).flatMap((response) -> response.writeTo(exchange, this.context));
	}

}
