package dev.portalgateway.system;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebHandler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The callers' port's filter chain: the filters in order, then the handler; a filter that
 * throws is an error signal to the filters around it, as under Spring's chain.
 */
class CallersPortChainTests {

	private final List<String> ran = new ArrayList<>();

	private final MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));

	@Test
	void runsTheFiltersInOrderThenTheHandler() {
		WebHandler chain = CallersPort.Chain.of(List.of(named("first"), named("second")), handler());
		StepVerifier.create(chain.handle(this.exchange)).verifyComplete();
		assertThat(this.ran).containsExactly("first", "second", "handler");
	}

	@Test
	void runsTheHandlerAloneWithoutFilters() {
		StepVerifier.create(CallersPort.Chain.of(List.of(), handler()).handle(this.exchange)).verifyComplete();
		assertThat(this.ran).containsExactly("handler");
	}

	@Test
	void turnsAThrowingFilterIntoAnErrorTheOuterFiltersSee() {
		WebFilter outer = (exchange, chain) -> chain.filter(exchange)
			.onErrorResume(IllegalStateException.class, (failure) -> {
				this.ran.add("outer saw " + failure.getMessage());
				return Mono.empty();
			});
		WebFilter throwing = (exchange, chain) -> {
			throw new IllegalStateException("thrown");
		};
		WebHandler chain = CallersPort.Chain.of(List.of(outer, throwing), handler());
		StepVerifier.create(chain.handle(this.exchange)).verifyComplete();
		assertThat(this.ran).containsExactly("outer saw thrown");
	}

	@Test
	void turnsAThrowingHandlerIntoAnError() {
		WebHandler chain = CallersPort.Chain.of(List.of(named("only")), (exchange) -> {
			throw new IllegalArgumentException("handler threw");
		});
		StepVerifier.create(chain.handle(this.exchange))
			.expectErrorMessage("handler threw")
			.verify(java.time.Duration.ofSeconds(5));
		assertThat(this.ran).containsExactly("only");
	}

	private WebFilter named(String name) {
		return (exchange, chain) -> {
			this.ran.add(name);
			return chain.filter(exchange);
		};
	}

	private WebHandler handler() {
		return (exchange) -> {
			this.ran.add("handler");
			return Mono.empty();
		};
	}

}
