package dev.portalgateway.system;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request ids and generated idempotency keys cannot be predicted from one another, and
 * making them never blocks an event loop (BlockHound is installed for every test).
 */
class UuidsTests {

	@Test
	void idsCannotBePredictedFromOneAnother() {
		List<String> ids = IntStream.range(0, 1000).mapToObj((i) -> Uuids.random()).toList();
		assertThat(new HashSet<>(ids)).hasSize(1000);
		assertThat(ids).allSatisfy((id) -> {
			assertThat(UUID.fromString(id).version()).isEqualTo(4);
			assertThat(UUID.fromString(id).variant()).isEqualTo(2);
		});
		assertThat(predictedFromTheFirst(ids)).isZero();
	}

	@Test
	void thePredictorBreaksTheOldThreadLocalRandomIds() {
		// The generator this class replaced: the test above would fail for it.
		Supplier<String> old = () -> {
			ThreadLocalRandom random = ThreadLocalRandom.current();
			long most = (random.nextLong() & ~0xF000L) | 0x4000L;
			long least = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
			return new UUID(most, least).toString();
		};
		List<String> ids = IntStream.range(0, 1000).mapToObj((i) -> old.get()).toList();
		assertThat(predictedFromTheFirst(ids)).isEqualTo(999);
	}

	@BeforeAll
	static void startUp() {
		// As the gateway does at startup (RequestIds' constructor): the generator reads
		// its seed here, on the test's thread.
		new RequestIds();
	}

	@Test
	void makingIdsOnAnEventLoopNeverBlocks() {
		Mono<Integer> onParallel = Mono
			.fromCallable(
					() -> new HashSet<>(IntStream.range(0, 10_000).mapToObj((i) -> Uuids.random()).toList()).size())
			.subscribeOn(Schedulers.parallel());
		StepVerifier.create(onParallel).expectNext(10_000).expectComplete().verify(Duration.ofSeconds(30));
	}

	/**
	 * How many of the ids after the first are what {@code ThreadLocalRandom} would make
	 * next. It adds a fixed step to its seed (a constant plus twice the thread id) and
	 * outputs an invertible mix of the seed. The first id's halves are two consecutive
	 * outputs, with 4 and 2 bits masked: for each of the 64 candidates, unmixing gives
	 * two seeds, whose difference is the step, and the step gives every next output.
	 */
	private static int predictedFromTheFirst(List<String> ids) {
		UUID first = UUID.fromString(ids.get(0));
		int best = 0;
		for (long version = 0; version < 16; version++) {
			for (long variant = 0; variant < 4; variant++) {
				long seed = unmix64((first.getLeastSignificantBits() & 0x3FFFFFFFFFFFFFFFL) | (variant << 62));
				long step = seed - unmix64((first.getMostSignificantBits() & ~0xF000L) | (version << 12));
				int hits = 0;
				for (int i = 1; i < ids.size(); i++) {
					long most = (mix64(seed += step) & ~0xF000L) | 0x4000L;
					long least = (mix64(seed += step) & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
					hits += ids.get(i).equals(new UUID(most, least).toString()) ? 1 : 0;
				}
				best = Math.max(best, hits);
			}
		}
		return best;
	}

	private static long mix64(long z) {
		z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
		z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
		return z ^ (z >>> 33);
	}

	private static long unmix64(long z) {
		z = z ^ (z >>> 33);
		z *= inverse(0xc4ceb9fe1a85ec53L);
		z = z ^ (z >>> 33);
		z *= inverse(0xff51afd7ed558ccdL);
		return z ^ (z >>> 33);
	}

	/** The inverse of an odd number modulo 2^64 (Newton's iteration). */
	private static long inverse(long odd) {
		long inverse = odd;
		for (int i = 0; i < 6; i++) {
			inverse *= 2 - odd * inverse;
		}
		return inverse;
	}

}
