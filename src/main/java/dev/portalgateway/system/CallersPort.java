package dev.portalgateway.system;

import java.util.List;
import java.util.Locale;

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
import org.springframework.web.reactive.function.server.HandlerStrategies;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.result.view.ViewResolver;
import org.springframework.web.server.WebExceptionHandler;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebHandler;
import org.springframework.web.server.adapter.HttpWebHandlerAdapter;
import org.springframework.web.server.handler.ExceptionHandlingWebHandler;
import org.springframework.web.server.handler.FilteringWebHandler;
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
 * the same routes in the same order, the same filters, exception handlers and codecs, and
 * the same 404 ({@code ResponseStatusException}) when no route matches.
 * <p>
 * Spring's server observation is not installed here (the adapter's registry stays
 * {@code NOOP}): {@link ServerRequestMetrics} times these requests. The management port's
 * child context builds its own handler, with the dispatcher and the observation.
 */
@Configuration(proxyBeanMethods = false)
public class CallersPort {

	@Bean
	HttpHandler httpHandler(ApplicationContext context, Environment environment, ServerCodecConfigurer codecs,
			ObjectProvider<RouterFunction<?>> routes, ObjectProvider<WebFilter> filters,
			ObjectProvider<WebExceptionHandler> exceptionHandlers) {
		if (ManagementPortType.get(environment) == ManagementPortType.SAME) {
			// Actuator would be on the callers' port, and behind the dispatcher, which
			// this port no longer has: refused rather than silently missing.
			throw new InvalidConfigurationException(
					"management.server.port must be a port of its own (not server.port), or -1 for none");
		}
		RouterFunction<?> all = routes.orderedStream()
			.reduce(RouterFunction::andOther)
			.orElseThrow(() -> new IllegalStateException("No routes"));
		WebHandler router = RouterFunctions.toWebHandler(all, new Codecs(codecs.getReaders(), codecs.getWriters()));
		HttpWebHandlerAdapter adapter = new HttpWebHandlerAdapter(
				new ExceptionHandlingWebHandler(new FilteringWebHandler(router, filters.orderedStream().toList()),
						exceptionHandlers.orderedStream().toList()));
		adapter.setCodecConfigurer(codecs);
		adapter.setApplicationContext(context);
		adapter.afterPropertiesSet();
		return adapter;
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
