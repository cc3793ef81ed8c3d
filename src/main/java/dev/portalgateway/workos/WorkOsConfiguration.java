package dev.portalgateway.workos;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.portalgateway.ratelimit.KeyCooldown;
import dev.portalgateway.ratelimit.QuotaOwner;
import dev.portalgateway.ratelimit.UpstreamQuotas;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.netty.channel.ChannelOption;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Builds the one {@link WebClient} that talks to WorkOS, from Boot's builder so that
 * metrics and codecs apply.
 */
@Configuration(proxyBeanMethods = false)
class WorkOsConfiguration {

	/** Released with the context, so a shutdown leaves no pooled connections behind. */
	@Bean(destroyMethod = "dispose")
	ConnectionProvider workOsConnections(WorkOsProperties properties) {
		return connections(properties);
	}

	/** The quotas count this key's budget (by its fingerprint). */
	@Bean
	QuotaOwner quotaOwner(WorkOsProperties properties) {
		return new QuotaOwner(properties.apiKey().fingerprint());
	}

	@Bean
	WorkOsClient workOsClient(WebClient.Builder builder, WorkOsProperties properties, IconSource icons,
			ObjectProvider<BuildProperties> build, Clock clock, ConnectionProvider workOsConnections,
			Resilience resilience) {
		String version = build.stream().map(BuildProperties::getVersion).findFirst().orElse("dev");
		return create(builder, properties, icons, version, clock, workOsConnections, resilience);
	}

	@Bean
	Resilience workOsResilience(Ticker ticker, UpstreamQuotas quotas, KeyCooldown cooldown, RetryProperties retry,
			MeterRegistry meters) {
		return new Resilience(ticker, quotas, cooldown, retry, meters);
	}

	/**
	 * What guards calls to WorkOS: the time source, quotas, the key's cool-down and
	 * retries.
	 *
	 * @param ticker nano time for deadlines, quotas and the cool-down
	 * @param quotas per-operation rate limiters
	 * @param cooldown the key's cool-down after a WorkOS 429
	 * @param retry the retry policy's settings
	 * @param meters where client metrics go
	 */
	record Resilience(Ticker ticker, UpstreamQuotas quotas, KeyCooldown cooldown, RetryProperties retry,
			MeterRegistry meters) {
	}

	private static String withoutTrailingSlash(URI url) {
		return url.toString().replaceAll("/+$", "");
	}

	static ConnectionProvider connections(WorkOsProperties properties) {
		// Reactor Netty's default pool (16 connections, 32 waiting, on 2 cores) fails a
		// burst the quota allows: "Pending acquire queue has reached its maximum size".
		// WorkOS sits behind load balancers that drop idle connections; evicting them
		// first avoids failing a request on a dead connection.
		return ConnectionProvider.builder("workos")
			.maxConnections(properties.maxConnections())
			.pendingAcquireMaxCount(properties.maxConnections() * 10)
			.pendingAcquireTimeout(properties.connectTimeout())
			.maxIdleTime(Duration.ofSeconds(20))
			.evictInBackground(Duration.ofSeconds(30))
			.build();
	}

	static WorkOsClient create(WebClient.Builder builder, WorkOsProperties properties, IconSource icons, String version,
			Clock clock, ConnectionProvider connections, Resilience resilience) {
		return create(builder, properties, icons, version, clock, connections, resilience,
				new UpstreamRetry(resilience.retry(), resilience.ticker(), resilience.meters()));
	}

	static WorkOsClient create(WebClient.Builder builder, WorkOsProperties properties, IconSource icons, String version,
			Clock clock, ConnectionProvider connections, Resilience resilience, UpstreamRetry retry) {
		HttpClient httpClient = HttpClient.create(connections)
			// The response timeout is in WorkOsClient's chain, with the deadline.
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) properties.connectTimeout().toMillis());
		String workOsBase = withoutTrailingSlash(properties.baseUrl());
		// No http.client.requests observation: workos.client.requests (WorkOsClient)
		// already times every attempt with its operation, status and outcome, and the
		// observation (with its per-request key values and handlers) was a measurable
		// share of a link's CPU (bench/RESULTS.md).
		WebClient.Builder common = builder.clone()
			.observationRegistry(ObservationRegistry.NOOP)
			.clientConnector(new ReactorClientHttpConnector(httpClient))
			.defaultHeaders((headers) -> {
				headers.setAccept(List.of(MediaType.APPLICATION_JSON));
				headers.set(HttpHeaders.USER_AGENT, "portal-gateway/" + version);
			});
		WebClient webClient = common.clone()
			.baseUrl(workOsBase)
			.defaultHeaders((headers) -> headers.setBearerAuth(properties.apiKey().reveal()))
			.build();
		String iconBase = (icons.baseUrl() != null) ? withoutTrailingSlash(icons.baseUrl()) : workOsBase;
		// The WorkOS key goes to WorkOS only: an icon source elsewhere (a CDN) gets no
		// key.
		WebClient iconClient = iconBase.equals(workOsBase) ? webClient : common.clone().baseUrl(iconBase).build();
		// Resolved once, an absolute URI (the WebClient's base URL is not applied to it):
		// a template expanded per request was a fiftieth of a link's CPU.
		URI linkUri = URI.create(workOsBase + WorkOsApi.GENERATE_LINK_PATH);
		return new WorkOsClient(webClient, linkUri, iconClient, icons.path(), properties,
				new WorkOsAnswers(clock, resilience.retry().maxCooldown(), properties.apiKey()),
				new ClientMetrics(resilience.meters()), resilience.ticker(), resilience.quotas(), resilience.cooldown(),
				retry);
	}

}
