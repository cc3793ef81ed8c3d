package dev.portalgateway;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The one value of a {@link Mono}, through {@link StepVerifier} (the build refuses
 * {@code block()} in tests): for tests that drive the gateway from outside and look at
 * what came back.
 */
public final class Await {

	private Await() {
	}

	/** The value {@code answer} completes with, within a minute. */
	public static <T> T value(Mono<T> answer) {
		AtomicReference<T> value = new AtomicReference<>();
		StepVerifier.create(answer).consumeNextWith(value::set).expectComplete().verify(Duration.ofSeconds(60));
		return value.get();
	}

}
