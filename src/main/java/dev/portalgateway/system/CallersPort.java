package dev.portalgateway.system;

import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.codec.HttpMessageReader;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.util.StringUtils;
import org.springframework.web.reactive.function.server.HandlerStrategies;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.result.view.ViewResolver;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.server.WebHandler;
import org.springframework.web.server.adapter.HttpWebHandlerAdapter;
import org.springframework.web.server.handler.ExceptionHandlingWebHandler;
import org.springframework.web.server.i18n.FixedLocaleContextResolver;
import org.springframework.web.server.i18n.LocaleContextResolver;

/**
 * The callers' port ({@code server.port}): the web filters, then the exception handlers,
 * then the router functions, run by WebFlux's {@code RouterFunctions} web handler.
 * <p>
 * Why not Boot's {@code HttpHandler}, which puts WebFlux's {@code DispatcherHandler}
 * there? Per request the dispatcher asks each handler mapping in turn, adapts the handler
 * function, wraps its answer in a {@code HandlerResult} (resolving a generic type) and
 * looks a result handler up: about a tenth of a cached icon's CPU (bench/RESULTS.md,
 * 2026-12-01 fourth session). This port serves router functions only (actuator has a port
 * of its own, required below), which {@code RouterFunctions.toWebHandler} runs directly:
 * the same routes in the same order, the same filters and codecs, and the same 404
 * ({@code ResponseStatusException}) when no route matches.
 * <p>
 * The filters run in a chain of this class's ({@link Chain}), not Spring's. Failures are
 * rendered by {@link ProblemExceptionHandler} alone: Boot's error handlers come after it
 * and only ever see what it passes on (a failure after the response was committed), which
 * they pass on too; each would cost two operators on every request.
 * <p>
 * Spring's server observation is not installed here (the adapter's registry stays
 * {@code NOOP}): {@link ServerRequestMetrics} times these requests. The management port's
 * child context builds its own handler, with the dispatcher and the observation.
 */
@Configuration(proxyBeanMethods = false)
public class CallersPort {

	@Bean
	HttpHandler httpHandler(ApplicationContext context, Environment environment, ServerCodecConfigurer codecs,
			ObjectProvider<RouterFunction<ServerResponse>> routes, ObjectProvider<WebFilter> filters,
			ProblemExceptionHandler problems) {
		if (ManagementPortType.get(environment) == ManagementPortType.SAME) {
			// Actuator would be on the callers' port, and behind the dispatcher, which
			// this port no longer has: refused rather than silently missing.
			throw new InvalidConfigurationException(
					"management.server.port must be a port of its own (not server.port), or -1 for none");
		}
		if (StringUtils.hasText(environment.getProperty("spring.webflux.base-path"))) {
			// Boot's handler applies it; this one does not, and the paths callers use
			// are the API's own.
			throw new InvalidConfigurationException(
					"spring.webflux.base-path is not supported: the API's paths are fixed (/v1/...)");
		}
		// One list of routes tried in order (not routes nested pairwise, which takes a
		// level of operators per feature for every request).
		RouterFunctions.Builder all = RouterFunctions.route();
		routes.orderedStream().forEach(all::add);
		WebHandler router = RouterFunctions.toWebHandler(all.build(),
				new Codecs(codecs.getReaders(), codecs.getWriters()));
		HttpWebHandlerAdapter adapter = new HttpWebHandlerAdapter(
				new ExceptionHandlingWebHandler(Chain.of(filters.orderedStream().toList(), router), List.of(problems)));
		adapter.setCodecConfigurer(codecs);
		adapter.setApplicationContext(context);
		adapter.afterPropertiesSet();
		return adapter;
	}

	/**
	 * The web filters in order, then the router: what Spring's
	 * {@code FilteringWebHandler} does, without the {@code Mono.defer} and the
	 * {@code checkpoint} it puts around each filter on every request (two operators, a
	 * snapshot and the filter's {@code toString()} per filter and request, for a line in
	 * a stack trace; bench/RESULTS.md). A filter that throws instead of returning an
	 * error still ends in an error signal, as under the defer: the filters around it and
	 * the exception handlers see it as they would.
	 */
	static final class Chain implements WebFilterChain {

		private final @Nullable WebFilter filter;

		private final @Nullable Chain next;

		private final WebHandler handler;

		private Chain(@Nullable WebFilter filter, @Nullable Chain next, WebHandler handler) {
			this.filter = filter;
			this.next = next;
			this.handler = handler;
		}

		/** The chain, made once: each link knows its filter and the rest. */
		static WebHandler of(List<WebFilter> filters, WebHandler handler) {
			Chain chain = new Chain(null, null, handler);
			for (int i = filters.size() - 1; i >= 0; i--) {
				chain = new Chain(filters.get(i), chain, handler);
			}
			Chain first = chain;
			return first::filter;
		}

		@Override
		public Mono<Void> filter(ServerWebExchange exchange) {
			try {
				return (this.filter != null && this.next != null) ? this.filter.filter(exchange, this.next)
						: this.handler.handle(exchange);
			}
			catch (Throwable failure) {
				// As Mono.defer does: errors the JVM cannot go on from are thrown.
				Exceptions.throwIfFatal(failure);
				return Mono.error(failure);
			}
		}

	}

	/**
	 * What the router's requests read and its responses write with: Boot's codecs, the
	 * lists made once (the configurer makes new ones on each call, and the router asks
	 * per request). No views, no locale, no filters or handlers of its own (the port's
	 * are around it).
	 */
	private record Codecs(List<HttpMessageReader<?>> messageReaders,
			List<HttpMessageWriter<?>> messageWriters) implements HandlerStrategies {

		private static final LocaleContextResolver LOCALE = new FixedLocaleContextResolver(Locale.ROOT);

		@Override
		public List<ViewResolver> viewResolvers() {
			return List.of();
		}

		@Override
		public LocaleContextResolver localeContextResolver() {
			return LOCALE;
		}

		@Override
		public List<WebFilter> webFilters() {
			return List.of();
		}

		@Override
		public List<WebExceptionHandler> exceptionHandlers() {
			return List.of();
		}

	}

}
