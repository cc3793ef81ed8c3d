package dev.portalgateway.caller;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Objects;

import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import reactor.netty.http.client.HttpClient;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Caller authentication: static tokens always, JWTs when {@code gateway.auth.jwt.issuer}
 * is set.
 */
@Configuration(proxyBeanMethods = false)
class CallerConfiguration {

	@Bean
	CallerAuthentication callerAuthentication(CallerAuthenticator callers, CallerProperties properties,
			WebClient.Builder builder, Clock clock, Ticker ticker, MeterRegistry meters) {
		JwtProperties jwt = properties.auth().jwt();
		JwtVerifier verifier = jwt.enabled() ? new JwtVerifier(
				new JwksCache(jwksClient(builder, jwt), jwt, ticker, meters), jwt, clock, ticker, meters) : null;
		return new CallerAuthentication(callers, verifier,
				new FailureBudget(properties.auth().failureBudget(), ticker, meters), meters);
	}

	/**
	 * The client that downloads the JWKS: its own timeouts, and the configured CA
	 * certificates if any. No request observation: downloads are counted by
	 * {@link JwksCache}.
	 */
	static WebClient jwksClient(WebClient.Builder builder, JwtProperties properties) {
		HttpClient http = HttpClient.create()
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) properties.jwksTimeout().toMillis())
			.responseTimeout(properties.jwksTimeout());
		if (properties.jwksCaCertificates() != null) {
			SslContext ssl = trusting(properties);
			http = http.secure((spec) -> spec.sslContext(ssl));
		}
		return builder.clone()
			.observationRegistry(ObservationRegistry.NOOP)
			.clientConnector(new ReactorClientHttpConnector(http))
			.build();
	}

	private static SslContext trusting(JwtProperties properties) {
		X509Certificate[] certificates = JwtProperties
			.certificates(Objects.requireNonNull(properties.jwksCaCertificates()))
			.stream()
			.map(X509Certificate.class::cast)
			.toArray(X509Certificate[]::new);
		try {
			return SslContextBuilder.forClient().trustManager(certificates).build();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
