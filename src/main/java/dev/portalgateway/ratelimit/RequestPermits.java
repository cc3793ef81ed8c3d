package dev.portalgateway.ratelimit;

import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

/**
 * Where a request keeps the quota as its own permit left it (in its Reactor context), for
 * its {@code RateLimit-*} headers, and when Redis admitted that permit.
 */
final class RequestPermits {

	private static final Class<Seen> SEEN = Seen.class;

	/** The admission time of a local permit or a refusal. */
	static final long NOT_FROM_REDIS = -1;

	private RequestPermits() {
	}

	/** Records this attempt's permit, if the request runs through {@link #observed}. */
	static void record(ContextView context, QuotaSnapshot snapshot, long admittedAt) {
		context.<Seen>getOrEmpty(SEEN).ifPresent((seen) -> seen.set(new Permit(snapshot, admittedAt)));
	}

	/**
	 * Runs {@code work} and hands {@code answer} the quota its last permit recorded, or
	 * {@code otherwise} if none did.
	 */
	static <T, R> Mono<R> observed(Mono<T> work, Supplier<QuotaSnapshot> otherwise,
			BiFunction<T, QuotaSnapshot, Mono<R>> answer) {
		return Mono.defer(() -> {
			Seen seen = new Seen();
			return work.contextWrite((context) -> context.put(SEEN, seen)).flatMap((value) -> {
				Permit permit = seen.get();
				return answer.apply(value, (permit != null) ? permit.snapshot() : otherwise.get());
			});
		});
	}

	/** When Redis admitted the current attempt's permit (epoch ms), if it did. */
	static OptionalLong admittedAt(ContextView context) {
		Permit permit = context.<Seen>getOrEmpty(SEEN).map(Seen::get).orElse(null);
		return (permit != null && permit.admittedAt() != NOT_FROM_REDIS) ? OptionalLong.of(permit.admittedAt())
				: OptionalLong.empty();
	}

	/**
	 * The quota as one request's own permit left it, and when Redis admitted it (epoch
	 * ms; {@link #NOT_FROM_REDIS} for a local permit or a refusal).
	 */
	private record Permit(QuotaSnapshot snapshot, long admittedAt) {
	}

	/** Where one request keeps its {@link Permit}. */
	private static final class Seen extends AtomicReference<@Nullable Permit> {

	}

}
