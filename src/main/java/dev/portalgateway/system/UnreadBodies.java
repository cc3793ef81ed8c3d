package dev.portalgateway.system;

import java.util.concurrent.atomic.AtomicBoolean;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Closes the connection after an answer given without reading the whole request body (401
 * before the body, 415, 413, a bad header). Reactor Netty (1.3.6 and 1.3.7) then leaves
 * the keep-alive connection in a state where a later request on it is never answered: a
 * caller's pooled connection hangs until its own timeout ({@code KeepAliveTests}
 * reproduces it: 401, 400, then a valid request on one connection).
 * {@code Connection: close} makes the caller open a fresh connection instead. Answers
 * that read their body keep the connection.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
public class UnreadBodies implements WebFilter {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		HttpHeaders headers = request.getHeaders();
		if (headers.getContentLength() <= 0 && !headers.containsHeader(HttpHeaders.TRANSFER_ENCODING)) {
			return chain.filter(exchange);
		}
		AtomicBoolean read = new AtomicBoolean();
		ServerHttpRequest tracked = new ServerHttpRequestDecorator(request) {

			@Override
			public Flux<DataBuffer> getBody() {
				return super.getBody().doOnComplete(() -> read.set(true));
			}

		};
		exchange.getResponse().beforeCommit(() -> {
			if (!read.get()) {
				exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
			}
			return Mono.empty();
		});
		return chain.filter(exchange.mutate().request(tracked).build());
	}

}
