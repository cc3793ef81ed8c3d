package dev.portalgateway.workos;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.portalgateway.ratelimit.KeyCooldown;
import dev.portalgateway.ratelimit.RateLimitProperties;
import dev.portalgateway.ratelimit.UpstreamQuotas;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Real {@link WorkOsClient}s for WireMock tests, each with a fresh quota and cool-down.
 */
public final class TestWorkOsClients {

	public static final String KEY = "sk_test_0123456789abcdef";

	/** What the clients' wall clock says. */
	public static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");

	/**
	 * For tests that look at single attempts; retries at their defaults are in
	 * {@code WorkOsClientRetryTests} and {@code ResilienceChainSimulationTests}.
	 */
	public static final RetryProperties NO_RETRIES = new RetryProperties(0, Duration.ofMillis(10), 2,
			Duration.ofSeconds(1), 0, Duration.ofSeconds(10), Duration.ofMinutes(5));

	/** The retry settings users run: {@link RetryProperties}'s own defaults. */
	public static final RetryProperties DEFAULT_RETRY = new Binder(new MapConfigurationPropertySource())
		.bindOrCreate("gateway.retry", Bindable.of(RetryProperties.class));

	/** The WorkOS client settings users run, with the test key. */
	public static final WorkOsProperties DEFAULT_WORKOS = new Binder(
			new MapConfigurationPropertySource(Map.of("gateway.workos.api-key", KEY)))
		.bindOrCreate("gateway.workos", Bindable.of(WorkOsProperties.class));

	public static final IconSource ICONS = new IconSource(null, "/portal/provider_icons");

	private static final ConnectionProvider connections = WorkOsConfiguration.connections(new WorkOsProperties(
			new ApiKey(KEY), URI.create("http://localhost"), Duration.ofSeconds(2), Duration.ofSeconds(5), 50, false));

	private TestWorkOsClients() {
	}

	public static WorkOsClient client(String baseUrl, Duration responseTimeout, RetryProperties retry,
			int linksPerMinute) {
		return client(baseUrl, responseTimeout, retry, linksPerMinute, ICONS, Ticker.systemTicker());
	}

	public static WorkOsClient client(String baseUrl, IconSource icons, Ticker ticker) {
		return client(baseUrl, Duration.ofSeconds(5), NO_RETRIES, 100, icons, ticker);
	}

	/** A client at the default retry settings, on the given ticker. */
	public static WorkOsClient atDefaults(String baseUrl, IconSource icons, Ticker ticker) {
		return client(baseUrl, Duration.ofSeconds(5), DEFAULT_RETRY, 100, icons, ticker);
	}

	/**
	 * A client at the default settings whose HTTP exchanges {@code exchange} answers, for
	 * failures real HTTP cannot produce.
	 */
	public static WorkOsClient withExchange(ExchangeFunction exchange) {
		return client(WebClient.builder().exchangeFunction(exchange), "https://workos.invalid", Duration.ofSeconds(5),
				DEFAULT_RETRY, 100, ICONS, Ticker.systemTicker());
	}

	private static WorkOsClient client(String baseUrl, Duration responseTimeout, RetryProperties retry,
			int linksPerMinute, IconSource icons, Ticker ticker) {
		return client(WebClient.builder(), baseUrl, responseTimeout, retry, linksPerMinute, icons, ticker);
	}

	private static WorkOsClient client(WebClient.Builder builder, String baseUrl, Duration responseTimeout,
			RetryProperties retry, int linksPerMinute, IconSource icons, Ticker ticker) {
		WorkOsProperties properties = new WorkOsProperties(new ApiKey(KEY), URI.create(baseUrl), Duration.ofSeconds(2),
				responseTimeout, 50, false);
		MeterRegistry meters = new SimpleMeterRegistry();
		UpstreamQuotas quotas = new UpstreamQuotas(
				new RateLimitProperties(new RateLimitProperties.Quota(linksPerMinute, null, null), null), "test",
				ticker, meters);
		WorkOsConfiguration.Resilience resilience = new WorkOsConfiguration.Resilience(ticker, quotas,
				new KeyCooldown(ticker, meters), retry, meters);
		return WorkOsConfiguration.create(builder, properties, icons, "1.2.3", Clock.fixed(NOW, ZoneOffset.UTC),
				connections, resilience);
	}

}
