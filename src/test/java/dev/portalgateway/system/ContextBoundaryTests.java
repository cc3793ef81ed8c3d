package dev.portalgateway.system;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The innermost web filter answers the dispatcher's context lookups itself: counted at
 * the end of the chain, where Reactor Netty would be asked.
 */
class ContextBoundaryTests {

	private final AtomicReference<Object> seen = new AtomicReference<>();

	/**
	 * Like the dispatcher: ten lookups, each cancelled after its first answer (which asks
	 * for the context, to discard the rest), then a handler that reads the context.
	 */
	private final WebFilterChain dispatcher = (exchange) -> Flux.range(0, 10)
		.concatMap((i) -> Flux.fromIterable(List.of(1, 2, 3)).next())
		.then(Mono.deferContextual((context) -> {
			this.seen.set(context.get("request"));
			return Mono.empty();
		}));

	@Test
	void theDispatcherAsksTheServerForTheContextOnce() {
		Server server = new Server();
		new ContextBoundary().filter(MockServerWebExchange.from(MockServerHttpRequest.get("/")), this.dispatcher)
			.subscribe(server);
		assertThat(server.completed).isTrue();
		assertThat(this.seen).hasValue("r1");
		assertThat(server.asked).hasValue(1);
	}

	@Test
	void withoutTheBoundaryEveryLookupGoesToTheServer() {
		Server server = new Server();
		this.dispatcher.filter(MockServerWebExchange.from(MockServerHttpRequest.get("/"))).subscribe(server);
		assertThat(server.completed).isTrue();
		assertThat(this.seen).hasValue("r1");
		assertThat(server.asked.get()).isGreaterThanOrEqualTo(10);
	}

	/** The end of the chain, as Reactor Netty is: counts how often it is asked. */
	private static final class Server extends BaseSubscriber<Void> {

		final AtomicInteger asked = new AtomicInteger();

		boolean completed;

		@Override
		public Context currentContext() {
			this.asked.incrementAndGet();
			return Context.of("request", "r1");
		}

		@Override
		protected void hookOnSubscribe(Subscription subscription) {
			subscription.request(Long.MAX_VALUE);
		}

		@Override
		protected void hookOnComplete() {
			this.completed = true;
		}

	}

}
