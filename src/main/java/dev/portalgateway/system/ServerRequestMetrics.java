package dev.portalgateway.system;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.pattern.PathPattern;

/**
 * {@code http.server.requests} for the API port, with the names, tags and values of
 * Spring's server observation ({@code error} and {@code exception}, {@code method},
 * {@code outcome}, {@code status}, {@code uri}, and the
 * {@code management.observations.key-values}), but from timers registered once per tag
 * combination instead of an observation per request.
 * <p>
 * Spring's observation is not installed on the API port ({@link CallersPort} gives its
 * adapter no registry, so {@link ObservationRegistry#NOOP}): per request it built a
 * context, its key values and a meter id, and looked the timer up again: about a tenth of
 * an icon request's cost on one core ({@code bench/image.sh}, bench/RESULTS.md). The
 * {@code http.server.requests.active} long-task timer it also kept is gone (no alert or
 * panel reads it; {@code application.yaml} turns it off for the management port too); the
 * management port keeps Spring's observation, which writes the same meter with the same
 * tag names.
 * <p>
 * A request is timed until its response is committed, with the status it is committed
 * with (after any exception handler has written the problem), or, if the caller hangs up
 * first, until then with status and outcome {@code UNKNOWN}, as Spring's convention says.
 */
@Configuration(proxyBeanMethods = false)
public class ServerRequestMetrics {

	@Bean
	Timing serverRequestTiming(MeterRegistry meters, Environment environment, ApplicationContext context) {
		Map<String, String> keyValues = Binder.get(environment)
			.bind("management.observations.key-values", Bindable.mapOf(String.class, String.class))
			.orElse(Map.of());
		Tags common = Tags.empty();
		for (Map.Entry<String, String> keyValue : keyValues.entrySet()) {
			common = common.and(keyValue.getKey(), keyValue.getValue());
		}
		return new Timing(meters, common, context);
	}

	/** The filter; first in the chain, so that it times everything after it. */
	static final class Timing implements WebFilter, Ordered {

		private final MeterRegistry meters;

		private final Tags common;

		private final Map<Key, Timer> timers = new ConcurrentHashMap<>();

		private final ApplicationContext context;

		Timing(MeterRegistry meters, Tags common, ApplicationContext context) {
			this.meters = meters;
			this.common = common;
			this.context = context;
		}

		@Override
		public int getOrder() {
			return Ordered.HIGHEST_PRECEDENCE;
		}

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
			if (exchange.getApplicationContext() != this.context) {
				// The management port's child context runs this filter too, and keeps
				// Spring's observation: timed there, once.
				return chain.filter(exchange);
			}
			InFlight request = new InFlight(exchange, this.meters.config().clock().monotonicTime());
			exchange.getResponse().beforeCommit(request);
			return chain.filter(exchange).doOnError(request::failed).doOnCancel(request::abort);
		}

		/**
		 * One request being timed, recorded once: when its response is committed, or when
		 * the caller hangs up first. One object per request, the filter's only one.
		 */
		private final class InFlight implements Supplier<Mono<Void>> {

			private static final AtomicIntegerFieldUpdater<InFlight> RECORDED = AtomicIntegerFieldUpdater
				.newUpdater(InFlight.class, "recorded");

			private final ServerWebExchange exchange;

			private final long start;

			private @Nullable Throwable failure;

			private volatile int recorded;

			InFlight(ServerWebExchange exchange, long start) {
				this.exchange = exchange;
				this.start = start;
			}

			/** The response is being committed (beforeCommit). */
			@Override
			public Mono<Void> get() {
				record(false);
				return Mono.empty();
			}

			void failed(Throwable error) {
				this.failure = error;
			}

			void abort() {
				record(true);
			}

			private void record(boolean aborted) {
				if (RECORDED.compareAndSet(this, 0, 1)) {
					long took = Timing.this.meters.config().clock().monotonicTime() - this.start;
					timer(Key.of(this.exchange, aborted ? null : this.failure, aborted)).record(took,
							TimeUnit.NANOSECONDS);
				}
			}

		}

		private Timer timer(Key key) {
			return this.timers.computeIfAbsent(key,
					(absent) -> Timer.builder("http.server.requests")
						.description("HTTP server request processing time")
						.tags(this.common)
						.tag("error", absent.exception())
						.tag("exception", absent.exception())
						.tag("method", absent.method())
						.tag("outcome", absent.outcome())
						.tag("status", absent.status())
						.tag("uri", absent.uri())
						.register(this.meters));
		}

	}

	/**
	 * One tag combination, as Spring's {@code DefaultServerRequestObservationConvention}
	 * names it.
	 */
	record Key(String exception, String method, String outcome, String status, String uri) {

		private static final String[] STATUSES = IntStream.range(0, 600)
			.mapToObj(Integer::toString)
			.toArray(String[]::new);

		static Key of(ServerWebExchange exchange, @Nullable Throwable failure, boolean aborted) {
			HttpStatusCode code = exchange.getResponse().getStatusCode();
			String status = (aborted || code == null) ? "UNKNOWN" : status(code.value());
			String outcome = (aborted || code == null) ? "UNKNOWN" : outcome(code);
			String exception = (failure != null) ? failure.getClass().getSimpleName() : "none";
			return new Key(exception.isEmpty() ? failure.getClass().getName() : exception,
					exchange.getRequest().getMethod().name(), outcome, status, uri(exchange, code));
		}

		/**
		 * The status tag, the same string each time for a status from 100 to 599: its
		 * hash is computed once, not on every request's timer lookup.
		 */
		private static String status(int code) {
			return (code >= 100 && code < STATUSES.length) ? STATUSES[code] : Integer.toString(code);
		}

		private static String outcome(HttpStatusCode code) {
			if (code.is2xxSuccessful()) {
				return "SUCCESS";
			}
			return (code instanceof HttpStatus status) ? status.series().name() : "UNKNOWN";
		}

		private static String uri(ServerWebExchange exchange, @Nullable HttpStatusCode code) {
			PathPattern pattern = exchange.getAttribute(RouterFunctions.MATCHING_PATTERN_ATTRIBUTE);
			if (pattern != null) {
				String text = pattern.getPatternString();
				return text.isEmpty() ? "root" : text;
			}
			if (code != null && code.is3xxRedirection()) {
				return "REDIRECTION";
			}
			return (code != null && code.value() == 404) ? "NOT_FOUND" : "UNKNOWN";
		}

	}

}
