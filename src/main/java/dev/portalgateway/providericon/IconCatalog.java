package dev.portalgateway.providericon;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import dev.portalgateway.workos.WorkOsClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The provider icon list, held in a Caffeine {@link AsyncLoadingCache} so callers never
 * wait on WorkOS once it has been fetched:
 * <ul>
 * <li>single-flight: concurrent reads of a cold cache share one fetch;</li>
 * <li>refresh-ahead: the first read after {@code refresh-after} starts one background
 * fetch and is answered from the current list;</li>
 * <li>stale-if-error: a failed refresh keeps the current list (Caffeine's refresh
 * contract) until it is {@code max-stale} old; a cold cache with the source down answers
 * 503.</li>
 * </ul>
 */
public class IconCatalog {

	private static final String KEY = "all";

	/**
	 * Failures that say more than "unavailable": too many calls, or our own
	 * configuration.
	 */
	private static final Set<ProblemCode> PASSED_ON = EnumSet.of(ProblemCode.RATE_LIMITED,
			ProblemCode.ICON_SOURCE_NOT_FOUND, ProblemCode.UPSTREAM_AUTH_FAILED);

	private final AsyncLoadingCache<String, IconList> cache;

	private final Ticker ticker;

	public IconCatalog(WorkOsClient workOs, IconProperties properties, Ticker ticker, Executor executor,
			JsonMapper mapper, MeterRegistry meters) {
		this.ticker = ticker;
		Counter refreshed = refreshes(meters, "success");
		Counter failed = refreshes(meters, "failure");
		this.cache = Caffeine.newBuilder()
			.ticker(ticker)
			.executor(executor)
			.refreshAfterWrite(properties.refreshAfter())
			.expireAfterWrite(properties.maxStale())
			.recordStats()
			.buildAsync((key, ignored) -> workOs.providerIcons()
				.map((list) -> IconList.of(list, mapper, ticker.read()))
				.doOnNext((list) -> refreshed.increment())
				.doOnError((failure) -> failed.increment())
				.toFuture());
		CaffeineCacheMetrics.monitor(meters, this.cache, "provider_icons");
		Gauge.builder("gateway.icons.age", this, IconCatalog::ageSeconds)
			.description("How old the held icon list is (NaN before the first fetch)")
			.baseUnit("seconds")
			.register(meters);
	}

	private static Counter refreshes(MeterRegistry meters, String outcome) {
		return Counter.builder("gateway.icons.fetches")
			.description("Fetches of the icon list from WorkOS (the first, and each refresh)")
			.tag("outcome", outcome)
			.register(meters);
	}

	private double ageSeconds() {
		return this.cache.synchronous()
			.policy()
			.refreshAfterWrite()
			.flatMap((refresh) -> refresh.ageOf(KEY))
			.map((age) -> age.toMillis() / 1000.0)
			.orElse(Double.NaN);
	}

	/** The current list; fetched first if the cache is cold. */
	Mono<IconList> icons() {
		CompletableFuture<IconList> future = this.cache.get(KEY);
		// A caller hanging up must not cancel the fetch other callers share.
		return Mono.fromFuture(future, true).onErrorMap(IconCatalog::coldCacheProblem);
	}

	/** How old the list is, for the {@code Age} header. */
	Duration age(IconList list) {
		return Duration.ofNanos(Math.max(0, this.ticker.read() - list.fetchedAtNanos()));
	}

	/**
	 * With nothing to serve, callers learn WorkOS is unavailable; a quota rejection and a
	 * misconfigured source keep their own answers.
	 */
	private static Throwable coldCacheProblem(Throwable failure) {
		Throwable cause = (failure.getCause() != null && !(failure instanceof GatewayProblem)) ? failure.getCause()
				: failure;
		if (cause instanceof GatewayProblem problem && PASSED_ON.contains(problem.code())) {
			return problem;
		}
		return new GatewayProblem(ProblemCode.UPSTREAM_UNAVAILABLE,
				"The provider icons are not available yet; WorkOS could not be reached.", cause)
			.withRetryAfter(Duration.ofSeconds(5));
	}

}
