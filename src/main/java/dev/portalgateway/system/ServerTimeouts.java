package dev.portalgateway.system;

import java.time.Duration;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * How long the server waits for a client, so that slow or silent connections are not held
 * for ever: {@code server.netty.idle-timeout} (60 s, in {@code application.yaml}) closes
 * a connection on which no request arrives, and these two bound the reading of a request
 * body ({@code gateway.server}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ServerTimeouts.Properties.class)
class ServerTimeouts {

	/**
	 * Both body timeouts ({@code read-timeout} between reads, {@code request-timeout} for
	 * the whole body), on the body as the handler reads it, for requests that have one.
	 * <p>
	 * Not Reactor Netty's own: its {@code requestTimeout} schedules a task for every
	 * request, cancelled only when the request's last (empty) content reaches the
	 * request's operations, which never happens for a request answered at once (a cached
	 * icon list); each task then held its request's objects for the whole timeout, 30 s,
	 * and a few thousand requests a second filled the heap in under a minute. Its
	 * {@code readTimeout} adds a handler to the connection's pipeline for every request,
	 * with a body or not, and removes it at the request's end: about 3 % of a cached
	 * icon's CPU (bench/RESULTS.md, 2026-12-01 fourth session). A body the handler never
	 * reads is {@link UnreadBodies}' (drained for at most 5 s, then the connection
	 * closes).
	 */
	@Bean
	WebFilter requestBodyDeadline(Properties properties) {
		return new BodyDeadline(properties.readTimeout(), properties.requestTimeout());
	}

	/**
	 * Fails a request body that pauses for {@code pause}, or has not fully arrived
	 * {@code deadline} after it is read.
	 */
	@Order(Ordered.HIGHEST_PRECEDENCE + 2)
	static final class BodyDeadline implements WebFilter {

		private final Duration pause;

		private final Duration deadline;

		BodyDeadline(Duration pause, Duration deadline) {
			this.pause = pause;
			this.deadline = deadline;
		}

		Duration pause() {
			return this.pause;
		}

		Duration deadline() {
			return this.deadline;
		}

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
			if (!UnreadBodies.hasBody(exchange.getRequest().getHeaders())) {
				return chain.filter(exchange);
			}
			ServerHttpRequest timed = new ServerHttpRequestDecorator(exchange.getRequest()) {

				@Override
				public Flux<DataBuffer> getBody() {
					// The timers are cancelled as soon as the body completes.
					return super.getBody().timeout(BodyDeadline.this.pause, Mono.error(BodyTooSlow::new))
						.takeUntilOther(Mono.delay(BodyDeadline.this.deadline).then(Mono.error(BodyTooSlow::new)));
				}

			};
			return chain.filter(exchange.mutate().request(timed).build());
		}

	}

	/**
	 * A request body that paused for {@code gateway.server.read-timeout}, or did not
	 * arrive within {@code request-timeout}.
	 */
	static final class BodyTooSlow extends RuntimeException {

		BodyTooSlow() {
			super("request body deadline", null, false, false);
		}

	}

	/**
	 * Request body timeouts.
	 *
	 * @param readTimeout the longest pause between two reads of a request body
	 * @param requestTimeout the longest a whole request body may take to arrive
	 */
	@ConfigurationProperties("gateway.server")
	record Properties(@DefaultValue("10s") Duration readTimeout, @DefaultValue("30s") Duration requestTimeout) {

		Properties {
			if (readTimeout.isNegative() || readTimeout.isZero()) {
				throw new IllegalArgumentException("gateway.server.read-timeout must be positive");
			}
			if (requestTimeout.compareTo(readTimeout) < 0) {
				throw new IllegalArgumentException("gateway.server.request-timeout must be at least read-timeout");
			}
		}

	}

}
