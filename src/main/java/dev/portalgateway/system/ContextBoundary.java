package dev.portalgateway.system;

import java.util.function.Function;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * The innermost web filter: resolves the request's Reactor context once, where the routes
 * start, so that the lookups made after it stop here.
 * <p>
 * Reactor finds a subscriber's context by asking the subscriber below it, one operator at
 * a time, down to the server (Reactor Netty), unless a {@code contextWrite} on the way
 * holds it. WebFlux's dispatcher (then in front of the routes) asked several times per
 * request (each cancelled handler lookup, each body write), and each time walked some
 * thirty operators: the most frequent single item of the cached-icon profile (7 % of its
 * CPU, see {@code bench/RESULTS.md}). A {@code contextWrite} that keeps the context as it
 * is computes it once when the chain is subscribed and answers every later lookup itself.
 * The context is the same (a context cannot change after subscription), so nothing else
 * changes.
 * <p>
 * The callers' port has no dispatcher any more ({@link CallersPort}); measured again
 * without this filter there, icons did not gain and links lost about 7 %
 * (bench/RESULTS.md, 2026-12-01 fourth session): the handlers and the writing of answers
 * still ask.
 */
@Component
@Order(Ordered.LOWEST_PRECEDENCE)
public class ContextBoundary implements WebFilter {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		return chain.filter(exchange).contextWrite(Function.identity());
	}

}
