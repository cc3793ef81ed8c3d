package dev.portalgateway.system;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-thread digest gives the standard SHA-256 every time: reset between uses on one
 * thread, never shared between threads.
 */
class Sha256Tests {

	private static final String EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

	private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

	@Test
	void givesTheStandardDigests() {
		assertThat(Sha256.hex("")).isEqualTo(EMPTY);
		assertThat(Sha256.hex("abc")).isEqualTo(ABC);
	}

	@Test
	void startsAfreshForEachValueOnOneThread() {
		// A digest carried over from the previous value would give another hash.
		for (int i = 0; i < 3; i++) {
			assertThat(Sha256.hex("abc")).isEqualTo(ABC);
			assertThat(Sha256.hex("")).isEqualTo(EMPTY);
		}
	}

	@Test
	void threadsDoNotShareADigest() throws Exception {
		// One digest for all threads would mix their values under contention.
		List<Callable<Boolean>> hashers = IntStream.range(0, 8)
			.<Callable<Boolean>>mapToObj((n) -> () -> IntStream.range(0, 20_000)
				.allMatch((i) -> Sha256.hex((n % 2 == 0) ? "abc" : "").equals((n % 2 == 0) ? ABC : EMPTY)))
			.toList();
		ExecutorService threads = Executors.newFixedThreadPool(8);
		try {
			for (Future<Boolean> result : threads.invokeAll(hashers)) {
				assertThat(result.get()).isTrue();
			}
		}
		finally {
			threads.shutdownNow();
		}
	}

}
