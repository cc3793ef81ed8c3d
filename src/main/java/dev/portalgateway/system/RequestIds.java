package dev.portalgateway.system;

import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Gives every request an id: the caller's {@code X-Request-Id} when it is well formed,
 * else a new UUID. The id is echoed on every response, put in every problem and sent to
 * WorkOS.
 * <p>
 * A malformed id (too long, or with characters outside {@code [A-Za-z0-9._:-]}) is
 * replaced, not rejected: it is a correlation aid, and echoing it unchecked would allow
 * header and log injection.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class RequestIds implements WebFilter {

	/** The header carrying the id, both ways. */
	public static final String HEADER = "X-Request-Id";

	/** The logging MDC key (and Reactor context key) holding the id. */
	public static final String MDC_KEY = "request_id";

	private static final String ATTRIBUTE = RequestIds.class.getName() + ".id";

	private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

	public RequestIds() {
		// Seeds the id generator now, at startup, not on the first request's event loop.
		Uuids.random();
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		String id = wellFormedOrNew(exchange.getRequest().getHeaders().getFirst(HEADER));
		exchange.getAttributes().put(ATTRIBUTE, id);
		exchange.getResponse().getHeaders().set(HEADER, id);
		return chain.filter(exchange);
	}

	/**
	 * Runs {@code logging} with the request id in the logging MDC, so that plain and
	 * structured log lines carry it.
	 * <p>
	 * Why not Reactor's automatic context propagation
	 * ({@code spring.reactor.context-propagation=auto})? It restores thread locals around
	 * every operator of every request; measured here, together with the tracing scopes it
	 * carried, it cost about a third of the cached-icon throughput and almost half of the
	 * link throughput (see {@code bench/RESULTS.md}). Request-scoped log lines are few,
	 * so they set the MDC themselves.
	 * @param requestId the id, or null to log without one
	 * @param logging what logs
	 * @param <T> what {@code logging} returns
	 * @return what {@code logging} returned
	 */
	public static <T> T inMdc(@Nullable String requestId, Supplier<T> logging) {
		if (requestId == null) {
			return logging.get();
		}
		try (MDC.MDCCloseable ignored = MDC.putCloseable(MDC_KEY, requestId)) {
			return logging.get();
		}
	}

	/**
	 * Runs {@code logging} with the request id in the logging MDC.
	 * @param requestId the id, or null to log without one
	 * @param logging what logs
	 * @see #inMdc(String, Supplier)
	 */
	public static void inMdc(@Nullable String requestId, Runnable logging) {
		inMdc(requestId, () -> {
			logging.run();
			return null;
		});
	}

	static String wellFormedOrNew(@Nullable String candidate) {
		String id = wellFormedOrNull(candidate);
		return (id != null) ? id : Uuids.random();
	}

	/**
	 * The id if it is safe to log and echo ({@code [A-Za-z0-9._:-]}, at most 128
	 * characters), else {@code null}; also used for ids WorkOS sends back.
	 */
	public static @Nullable String wellFormedOrNull(@Nullable String candidate) {
		return (candidate != null && WELL_FORMED.matcher(candidate).matches()) ? candidate : null;
	}

	/** The id of this exchange; {@code "-"} only if the filter did not run. */
	public static String of(ServerWebExchange exchange) {
		Object id = exchange.getAttribute(ATTRIBUTE);
		return (id != null) ? id.toString() : "-";
	}

	public static String of(ServerRequest request) {
		return of(request.exchange());
	}

}
