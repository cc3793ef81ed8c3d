package dev.portalgateway.system;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.portalgateway.system.GatewayProblem.FieldError;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import io.netty.util.AttributeKey;
import reactor.netty.Connection;
import reactor.netty.NettyPipeline;
import reactor.netty.channel.ChannelOperations;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.reactor.netty.autoconfigure.NettyServerProperties;
import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.json.ProblemDetailJacksonMixin;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

/**
 * Problem answers for requests that never reach the gateway's handlers, because HTTP
 * itself could not read them: headers larger than
 * {@code server.max-http-request-header-size} (431), a request line longer than
 * {@code server.netty.max-initial-line-length} (414), a malformed request line, header or
 * framing (400), or a request target that is not a URI (400: WebFlux's adapter answers it
 * before any filter runs).
 * <p>
 * Reactor Netty and WebFlux answer these with the status and an empty body; a caller then
 * sees a bare 431 with nothing saying which limit it hit (a JWT with many claims, a proxy
 * adding headers). This handler sits right after the HTTP codec on each connection and
 * gives exactly those answers (one of these statuses, no body, no content type: the
 * gateway's own problems always have both) the body and headers every other problem has:
 * {@code application/problem+json} with a stable {@code code}, the field, a request id
 * (echoed in {@code X-Request-Id}: the caller's own when its head was read and carried a
 * well-formed one, as {@link RequestIds} would have kept it, or the one the gateway
 * already gave a request whose body it was reading, else a new one) and
 * {@code Cache-Control: no-store}. The status and {@code Connection: close} stay as they
 * were. The codec still drops the body of an answer to {@code HEAD}. Each such answer is
 * logged at INFO with its request id, the first from a client address in a minute in full
 * and the rest of that minute in one line ({@link FirstPerInterval}).
 * <p>
 * A malformed chunk of a body the route is already reading is answered the same way, by
 * Reactor Netty; {@link #answeredByTheServer} then tells the exception handler that the
 * route's own problem has nowhere to go.
 */
@Component
class MalformedRequests implements NettyServerCustomizer {

	private static final Log logger = LogFactory.getLog(MalformedRequests.class);

	/**
	 * Lines about refused requests: the first from a client address in this interval is
	 * written in full, the rest are counted and written as one line when it ends (as for
	 * failed authentications: {@code gateway.auth.failure-budget.log-interval}'s
	 * default).
	 */
	private static final Duration LOG_INTERVAL = Duration.ofMinutes(1);

	/**
	 * Client addresses counted at once (beyond them, the least recent are summarised
	 * early).
	 */
	private static final int MAX_CLIENTS = 10_000;

	/** The handler's name in each connection's pipeline. */
	private static final String NAME = "portal-gateway.malformedRequests";

	/** Set on a connection whose request HTTP could not read: the server answers it. */
	private static final AttributeKey<Boolean> ANSWERED = AttributeKey.valueOf(MalformedRequests.class, "answered");

	private final JsonMapper mapper;

	private final long maxHeaderBytes;

	private final long maxLineBytes;

	/** One full line per client address and minute, the rest summarised. */
	private final FirstPerInterval lines;

	MalformedRequests(JsonMapper.Builder mapper, ServerProperties server, NettyServerProperties netty, Ticker ticker) {
		// The mix-in WebFlux's JSON encoder adds: the problem's properties (code,
		// errors, request_id) as members of the object, as every other problem has them.
		this.mapper = mapper.addMixIn(ProblemDetail.class, ProblemDetailJacksonMixin.class).build();
		this.maxHeaderBytes = server.getMaxHttpRequestHeaderSize().toBytes();
		this.maxLineBytes = netty.getMaxInitialLineLength().toBytes();
		this.lines = new FirstPerInterval(LOG_INTERVAL, MAX_CLIENTS, ticker,
				(client, more) -> logger.info("Refused " + more + " more requests HTTP could not read from client="
						+ client + " in the last " + LOG_INTERVAL + " (after the one logged)"));
	}

	/**
	 * Adds the handler to each connection of {@code server}; also given the management
	 * port's server, by {@link MalformedRequestsOnTheManagementPort}.
	 */
	@Override
	public HttpServer apply(HttpServer server) {
		return server.doOnChannelInit((observer, channel, address) -> {
			ChannelPipeline pipeline = channel.pipeline();
			// HTTP/1.1, the gateway's protocol; a pipeline without the codec is left
			// alone.
			if (pipeline.get(NettyPipeline.HttpCodec) != null) {
				pipeline.addAfter(NettyPipeline.HttpCodec, NAME, new Handler());
			}
		});
	}

	/**
	 * Writes the summaries of intervals that have ended, now (tests; else Caffeine's
	 * scheduler does).
	 */
	void writeEndedSummaries() {
		this.lines.writeEndedSummaries();
	}

	/**
	 * Whether the server answered this exchange's request itself, because HTTP could not
	 * read part of it (a malformed chunk of a body the handler was reading): the gateway
	 * has nothing left to write, and trying fails ("Status and headers already sent").
	 * @param exchange the exchange
	 * @return true if the answer went out already
	 */
	static boolean answeredByTheServer(ServerWebExchange exchange) {
		try {
			Object request = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
			return request instanceof Connection connection && connection.channel().hasAttr(ANSWERED);
		}
		catch (IllegalStateException | IllegalArgumentException notOnReactorNetty) {
			// A test's mock exchange, which has no server behind it.
			return false;
		}
	}

	/**
	 * The problem for an empty answer with {@code status} (400, 414 or 431).
	 * @param status the answer's status
	 * @param decodingFailure why HTTP could not read the request, or null if it could
	 * @return the problem, without its request id
	 */
	private GatewayProblem problemFor(int status, @Nullable Throwable decodingFailure) {
		if (status == ProblemCode.HEADERS_TOO_LARGE.status().value()) {
			return new GatewayProblem(ProblemCode.HEADERS_TOO_LARGE, "The request's headers are too large.").withErrors(
					List.of(new FieldError("headers", "must be at most " + this.maxHeaderBytes + " bytes in all")));
		}
		if (status == ProblemCode.URI_TOO_LONG.status().value()) {
			return new GatewayProblem(ProblemCode.URI_TOO_LONG, "The request line is too long.").withErrors(
					List.of(new FieldError("uri", "the request line (method, path, query, version) must be at most "
							+ this.maxLineBytes + " bytes")));
		}
		if (decodingFailure != null) {
			return new GatewayProblem(ProblemCode.INVALID_REQUEST, "The request is not valid HTTP/1.1.").withErrors(
					List.of(new FieldError("request", "the request line, a header or the framing is malformed")));
		}
		// Read as HTTP, but its target is not a URI (WebFlux answers 400 before any
		// filter).
		return new GatewayProblem(ProblemCode.INVALID_REQUEST, "The request's path or query is not a valid URI.")
			.withErrors(List.of(new FieldError("uri", "must be a valid URI (check its percent-encoding)")));
	}

	private byte[] render(GatewayProblem problem, String requestId) {
		problem.getBody().setProperty("request_id", requestId);
		return this.mapper.writeValueAsBytes(problem.getBody());
	}

	/**
	 * One per connection: notes why HTTP could not read a request (the codec passes the
	 * failed request on; Reactor Netty answers it), and fills in the empty answer.
	 */
	private final class Handler extends ChannelDuplexHandler {

		private @Nullable Throwable decodingFailure;

		/**
		 * The headers of a request head HTTP could not read (the connection's last): they
		 * may be cut off, so its answer gets a new id.
		 */
		private @Nullable HttpHeaders unreadableHead;

		@Override
		public void channelRead(ChannelHandlerContext context, Object message) {
			if (message instanceof HttpObject object) {
				// A request's head or a piece of its body (a malformed chunk). Such a
				// request is the connection's last: Reactor Netty closes it. (A request
				// pipelined behind one whose target is not a URI may fail before that one
				// is answered, which is then said to be malformed, not its URI: 400
				// invalid_request either way.)
				DecoderResult result = object.decoderResult();
				if (result.isFailure()) {
					this.decodingFailure = result.cause();
					context.channel().attr(ANSWERED).set(Boolean.TRUE);
					if (object instanceof HttpRequest request) {
						this.unreadableHead = request.headers();
					}
				}
				else if (object instanceof HttpRequest) {
					this.decodingFailure = null;
				}
			}
			context.fireChannelRead(message);
		}

		@Override
		public void write(ChannelHandlerContext context, Object message, ChannelPromise promise) {
			context.write(
					(message instanceof FullHttpResponse full && isBare(full)) ? withProblem(context, full) : message,
					promise);
		}

		private boolean isBare(FullHttpResponse response) {
			int status = response.status().code();
			return (status == 400 || status == 414 || status == 431) && !response.content().isReadable()
					&& !response.headers().contains(HttpHeaderNames.CONTENT_TYPE);
		}

		/**
		 * One line per refused request, carrying the id the caller was given (in place of
		 * Reactor Netty's own "Decoding failed" warning, which has no id: its logger is
		 * set to ERROR in application.yaml), for the first from its client address in
		 * {@link #LOG_INTERVAL}; the rest are counted into one line. Netty's reason may
		 * name a header, never quote an Authorization value.
		 */
		private void log(GatewayProblem problem, String requestId, ChannelHandlerContext context) {
			SocketAddress remote = context.channel().remoteAddress();
			if (!logger.isInfoEnabled() || !MalformedRequests.this.lines
				.first(ClientKey.of((remote instanceof InetSocketAddress address) ? address : null))) {
				return;
			}
			Throwable failure = this.decodingFailure;
			String reason = (failure != null) ? failure.getClass().getSimpleName() + ": " + failure.getMessage()
					: "not a URI";
			RequestIds.inMdc(requestId,
					() -> logger.info("Refused a request HTTP could not read: " + problem.code().status().value() + " "
							+ problem.code().code() + " (" + reason + ") client=" + remote + " request_id="
							+ requestId));
		}

		/**
		 * The answer's request id, that of the request Reactor Netty is answering (not
		 * always the last head read: a pipelined request's may have come after it): the
		 * id {@link RequestIds} already gave it when the gateway was serving it (a broken
		 * chunk of the body its route is reading: on its response headers and its audit
		 * line), else the caller's well-formed {@code X-Request-Id}, else a new one. A
		 * head HTTP could not read gets a new one.
		 */
		private String requestId(ChannelHandlerContext context) {
			if (ChannelOperations.get(context.channel()) instanceof HttpServerRequest served
					&& served instanceof HttpServerResponse answer && served.requestHeaders() != this.unreadableHead) {
				String given = RequestIds.wellFormedOrNull(answer.responseHeaders().get(RequestIds.HEADER));
				return (given != null) ? given
						: RequestIds.wellFormedOrNew(served.requestHeaders().get(RequestIds.HEADER));
			}
			return RequestIds.wellFormedOrNew(null);
		}

		private FullHttpResponse withProblem(ChannelHandlerContext context, FullHttpResponse response) {
			GatewayProblem problem = problemFor(response.status().code(), this.decodingFailure);
			String requestId = requestId(context);
			log(problem, requestId, context);
			FullHttpResponse answer = response.replace(Unpooled.wrappedBuffer(render(problem, requestId)));
			response.release();
			HttpHeaders headers = answer.headers();
			// The problem's own headers (content type, no-store), as every problem has
			// them.
			problem.getHeaders().forEach(headers::set);
			headers.setInt(HttpHeaderNames.CONTENT_LENGTH, answer.content().readableBytes());
			headers.set(RequestIds.HEADER, requestId);
			return answer;
		}

	}

}
