package dev.portalgateway;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Proves BlockHound is really installed for the test run (by blockhound-junit-platform),
 * so the other tests would fail on any blocking call made on a non-blocking thread.
 */
class BlockHoundTests {

	@Test
	void blockingOnANonBlockingThreadFails() {
		Mono<Boolean> blocking = Mono.fromCallable(() -> {
			return new CountDownLatch(1).await(1, TimeUnit.MILLISECONDS);
		}).subscribeOn(Schedulers.parallel());
		StepVerifier.create(blocking).expectError(BlockingOperationError.class).verify(Duration.ofSeconds(5));
	}

	@Test
	void allowedBlockingCallsAreInForce() {
		Mono<Boolean> allowed = Mono.fromCallable(AllowedBlockingCalls::pauseForTest)
			.subscribeOn(Schedulers.parallel());
		StepVerifier.create(allowed).expectNext(false).expectComplete().verify(Duration.ofSeconds(5));
	}

}
