package dev.portalgateway.system;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Makes sure an answer given without reading the request's body (401 or 403 before the
 * body, 404, 405, 415, a bad header) reaches the caller, and that the connection is left
 * in a state fit for the next request.
 * <ul>
 * <li>A body of up to {@link #MAX_DRAINED_BYTES} is read and dropped before the answer is
 * sent, as nginx's lingering close does: a server that closes a socket with unread data
 * makes the kernel send a TCP reset, which throws away the answer the caller had not yet
 * read (a 12 KB body with an unknown token got a reset instead of its 401).</li>
 * <li>A larger body, one that takes longer than {@link #DRAIN_TIMEOUT}, or one the
 * handler began and did not finish reading, is not read on.</li>
 * <li>Either way the answer carries {@code Connection: close}, so what is left of the
 * body never reaches the next request's parser; the caller opens a fresh connection for
 * its next request. (This was first added against hangs on kept-alive connections; their
 * cause was Reactor Netty issue 4361, fixed in 1.3.8, see {@code KeepAliveTests}.)</li>
 * </ul>
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
public class UnreadBodies implements WebFilter {

	/** The most of an unread body the gateway reads and drops before answering. */
	public static final long MAX_DRAINED_BYTES = 1024 * 1024;

	/** How long the gateway waits for the rest of a body it is dropping. */
	static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		HttpHeaders headers = request.getHeaders();
		long announced = headers.getContentLength();
		if (!hasBody(headers)) {
			return chain.filter(exchange);
		}
		AtomicBoolean subscribed = new AtomicBoolean();
		AtomicBoolean read = new AtomicBoolean();
		ServerHttpRequest tracked = new ServerHttpRequestDecorator(request) {

			@Override
			public Flux<DataBuffer> getBody() {
				return super.getBody().doOnSubscribe((subscription) -> subscribed.set(true))
					.doOnComplete(() -> read.set(true));
			}

		};
		ServerHttpResponse response = exchange.getResponse();
		response.beforeCommit(() -> {
			if (read.get()) {
				return Mono.empty();
			}
			response.getHeaders().set(HttpHeaders.CONNECTION, "close");
			if (subscribed.get() || announced > MAX_DRAINED_BYTES) {
				return Mono.empty();
			}
			return drain(request).onErrorResume((failure) -> Mono.empty());
		});
		return chain.filter(exchange.mutate().request(tracked).build());
	}

	/** Whether the request announces a body (a length, or a chunked transfer). */
	static boolean hasBody(HttpHeaders headers) {
		return headers.getContentLength() > 0 || headers.containsHeader(HttpHeaders.TRANSFER_ENCODING);
	}

	/** Reads and drops the body, or as much of it as {@link #MAX_DRAINED_BYTES}. */
	private static Mono<Void> drain(ServerHttpRequest request) {
		AtomicLong total = new AtomicLong();
		return request.getBody()
			// Released here and mapped to its size: then() would hand the buffers to the
			// context's discard hook, which releases them a second time.
			.map((buffer) -> {
				long size = buffer.readableByteCount();
				DataBufferUtils.release(buffer);
				if (total.addAndGet(size) > MAX_DRAINED_BYTES) {
					throw new TooLarge();
				}
				return size;
			})
			.then()
			.timeout(DRAIN_TIMEOUT);
	}

	/** A body that grew past {@link #MAX_DRAINED_BYTES} while it was being dropped. */
	private static final class TooLarge extends RuntimeException {

		TooLarge() {
			super("body over " + MAX_DRAINED_BYTES + " bytes", null, false, false);
		}

	}

}
