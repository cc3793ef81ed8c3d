package dev.portalgateway.system;

import java.util.stream.Collectors;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.channel.AbortedException;

import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponse;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.NotAcceptableStatusException;
import org.springframework.web.server.PayloadTooLargeException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;

/**
 * Turns any failure into the gateway's problem response: a {@link GatewayProblem} as it
 * is, framework errors by their status, and anything unexpected into
 * {@code internal_error} whose cause is logged but never sent.
 */
@Component
public class Problems {

	private static final Log logger = LogFactory.getLog(Problems.class);

	/**
	 * A filter that renders any failure of the handlers behind it as a problem response.
	 * Unlike {@code RouterFunctions.Builder#onError}, which always runs innermost, it
	 * sits exactly where it is placed among the route's filters.
	 */
	public Mono<ServerResponse> renderFailures(ServerRequest request, HandlerFunction<ServerResponse> next) {
		return Mono.defer(() -> next.handle(request)).onErrorResume((failure) -> render(request.exchange(), failure));
	}

	Mono<ServerResponse> render(ServerWebExchange exchange, Throwable failure) {
		return ServerResponse.from(resolve(exchange, failure));
	}

	/**
	 * The problem a failure stands for, recorded on the exchange for the audit line (and
	 * logged with its cause when unexpected); for renderers of other wire formats.
	 */
	public GatewayProblem resolve(ServerWebExchange exchange, Throwable failure) {
		GatewayProblem problem = toProblem(failure);
		String requestId = RequestIds.of(exchange);
		if (problem.code() == ProblemCode.INTERNAL_ERROR) {
			RequestIds.inMdc(requestId, () -> logger.error("Unexpected failure on request " + requestId, failure));
		}
		problem.getBody().setProperty("request_id", requestId);
		exchange.getAttributes().put(GatewayProblem.class.getName(), problem);
		return problem;
	}

	/** The problem a response was rendered from, or {@code null} for a success. */
	public static @Nullable GatewayProblem problemOf(ServerRequest request) {
		return request.exchange().getAttribute(GatewayProblem.class.getName());
	}

	/**
	 * A handler answering 405 with an {@code Allow} header, for a path's other methods.
	 */
	public HandlerFunction<ServerResponse> methodNotAllowed(HttpMethod... allowed) {
		String allow = java.util.Arrays.stream(allowed).map(HttpMethod::name).collect(Collectors.joining(", "));
		return (request) -> render(request.exchange(),
				new GatewayProblem(ProblemCode.METHOD_NOT_ALLOWED, "Use " + allow + " on this path.")
					.withHeader(HttpHeaders.ALLOW, allow));
	}

	GatewayProblem toProblem(Throwable failure) {
		if (failure instanceof GatewayProblem problem) {
			return problem;
		}
		if (failure instanceof MethodNotAllowedException ex) {
			String allow = ex.getSupportedMethods()
				.stream()
				.map(HttpMethod::name)
				.sorted()
				.collect(Collectors.joining(", "));
			return new GatewayProblem(ProblemCode.METHOD_NOT_ALLOWED, "This method is not allowed on this path.")
				.withHeader(HttpHeaders.ALLOW, allow);
		}
		if (failure instanceof UnsupportedMediaTypeStatusException) {
			return new GatewayProblem(ProblemCode.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json.");
		}
		if (failure instanceof NotAcceptableStatusException) {
			return new GatewayProblem(ProblemCode.NOT_ACCEPTABLE, "This resource is only available as JSON.");
		}
		if (failure instanceof PayloadTooLargeException || failure instanceof DataBufferLimitException) {
			return new GatewayProblem(ProblemCode.PAYLOAD_TOO_LARGE, "The request body is too large.");
		}
		if (failure instanceof AbortedException) {
			// The caller hung up while its body was being read (a client timeout, a load
			// generator stopping): nobody receives this answer, and it is not our error.
			return new GatewayProblem(ProblemCode.INVALID_REQUEST,
					"The connection closed before the request body was received.");
		}
		if (Causes.hasCause(failure, ServerTimeouts.BodyTooSlow.class)) {
			// The body stopped arriving (gateway.server.read-timeout, request-timeout):
			// the WorkOS client's own timeouts are GatewayProblems long before they get
			// here.
			return new GatewayProblem(ProblemCode.REQUEST_TIMEOUT, "The request body did not arrive in time.")
				.withHeader(HttpHeaders.CONNECTION, "close");
		}
		if (failure instanceof ServerWebInputException || failure instanceof DecodingException) {
			return new GatewayProblem(ProblemCode.INVALID_REQUEST, "The request could not be read.");
		}
		if (failure instanceof ErrorResponse response && response.getStatusCode().value() == 404) {
			return new GatewayProblem(ProblemCode.NOT_FOUND, "No such resource.");
		}
		if (failure instanceof ErrorResponse response && response.getStatusCode().is4xxClientError()) {
			return new GatewayProblem(ProblemCode.INVALID_REQUEST, "The request could not be processed.");
		}
		return new GatewayProblem(ProblemCode.INTERNAL_ERROR,
				"An unexpected error occurred; quote the request_id when reporting it.", failure);
	}

}
