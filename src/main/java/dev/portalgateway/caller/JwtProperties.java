package dev.portalgateway.caller;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import dev.portalgateway.system.SecureUrls;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Verification of callers' JWTs ({@code gateway.auth.jwt}), typically Kubernetes
 * projected service-account tokens. On when {@code issuer} is set. Error messages never
 * repeat a value.
 *
 * @param issuer the exact {@code iss} tokens must carry, e.g.
 * {@code https://kubernetes.default.svc.cluster.local}
 * @param jwksUri where the issuer publishes its public keys (JWKS), e.g.
 * {@code https://kubernetes.default.svc/openid/v1/jwks}
 * @param audience the value tokens must have in {@code aud}
 * @param clockSkew how far the gateway's clock and the issuer's may disagree when
 * {@code exp} and {@code nbf} are checked (0 to 5 minutes)
 * @param algorithms the signature algorithms accepted; asymmetric ones only, never
 * {@code none} or HMAC
 * @param jwksRefreshMinInterval the least time between two JWKS downloads caused by
 * tokens naming a key the gateway does not know, so forged {@code kid}s cannot flood the
 * issuer
 * @param jwksMaxAge how long a downloaded JWKS is used before it is downloaded again, so
 * a key the issuer withdrew stops being trusted
 * @param jwksTimeout how long one JWKS download may take
 * @param jwksCaCertificates PEM file of the CA certificates that the JWKS server's TLS
 * certificate must chain to, instead of the JVM's (in Kubernetes:
 * {@code /var/run/secrets/kubernetes.io/serviceaccount/ca.crt})
 * @param jwksTokenFile file holding a bearer token for JWKS downloads, read again for
 * each download because it rotates (in Kubernetes: the gateway's own service-account
 * token, which the API server's {@code /openid/v1/jwks} wants)
 * @param cacheSize how many verified tokens are remembered (by hash, until they expire
 * and at most {@code jwks-max-age}) so their signatures are not verified again; 0 turns
 * this off
 * @param jwksMaxStale how long keys that could not be refreshed are still trusted; past
 * it JWT callers get 503 {@code auth_unavailable} until a download succeeds, so a key the
 * issuer withdrew is not trusted for ever while its JWKS endpoint is down
 * @param maxTokenLifetime the longest lifetime a token may have: {@code exp − iat}, or
 * {@code exp −} now for a token without {@code iat}; longer-lived tokens are refused
 * @param allowInsecureJwksUri allow a plain {@code http} JWKS URI to a host other than
 * this machine, which would send the gateway's token in clear and let anyone on the path
 * swap the keys: for test rigs only
 */
public record JwtProperties(@Nullable String issuer, @Nullable URI jwksUri,
		@DefaultValue("portal-gateway") String audience, @DefaultValue("30s") Duration clockSkew, @DefaultValue( {
				"RS256", "ES256" }) List<String> algorithms,
		@DefaultValue("10s") Duration jwksRefreshMinInterval, @DefaultValue("5m") Duration jwksMaxAge,
		@DefaultValue("5s") Duration jwksTimeout, @Nullable Path jwksCaCertificates, @Nullable Path jwksTokenFile,
		@DefaultValue("10000") int cacheSize, @DefaultValue("1h") Duration jwksMaxStale,
		@DefaultValue("24h") Duration maxTokenLifetime, boolean allowInsecureJwksUri){

	private static final String PREFIX = "gateway.auth.jwt.";

	/** Signature algorithms a JWKS public key can verify. */
	static final Set<String> ASYMMETRIC = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
			"ES512", "EdDSA");

	public JwtProperties {
		issuer = (issuer == null || issuer.isBlank()) ? null : issuer;
		if (issuer != null && issuer.length() > 1024) {
			throw new IllegalArgumentException(PREFIX + "issuer must be at most 1024 characters");
		}
		if (issuer != null && jwksUri == null) {
			throw new IllegalArgumentException(PREFIX + "jwks-uri is required when " + PREFIX + "issuer is set");
		}
		if (issuer == null && jwksUri != null) {
			throw new IllegalArgumentException(PREFIX + "issuer is required when " + PREFIX + "jwks-uri is set");
		}
		if (jwksUri != null && (!jwksUri.isAbsolute() || jwksUri.getHost() == null
				|| !Set.of("http", "https").contains(jwksUri.getScheme()))) {
			throw new IllegalArgumentException(PREFIX + "jwks-uri must be an absolute http(s) URL");
		}
		if (jwksUri != null) {
			SecureUrls.requireHttps(jwksUri, PREFIX + "jwks-uri", PREFIX + "allow-insecure-jwks-uri",
					allowInsecureJwksUri);
		}
		if (audience.isBlank()) {
			throw new IllegalArgumentException(PREFIX + "audience must not be empty");
		}
		if (clockSkew.isNegative() || clockSkew.compareTo(Duration.ofMinutes(5)) > 0) {
			throw new IllegalArgumentException(PREFIX + "clock-skew must be between 0s and 5m");
		}
		if (algorithms.isEmpty() || !ASYMMETRIC.containsAll(algorithms)) {
			throw new IllegalArgumentException(PREFIX + "algorithms has an unsupported value; allowed: "
					+ String.join(", ", ASYMMETRIC.stream().sorted().toList()));
		}
		algorithms = List.copyOf(algorithms);
		if (jwksMaxAge.isNegative() || jwksMaxAge.isZero()) {
			throw new IllegalArgumentException(PREFIX + "jwks-max-age must be positive");
		}
		if (jwksMaxStale.compareTo(jwksMaxAge) < 0) {
			throw new IllegalArgumentException(PREFIX + "jwks-max-stale must be at least jwks-max-age");
		}
		if (maxTokenLifetime.isNegative() || maxTokenLifetime.isZero()) {
			throw new IllegalArgumentException(PREFIX + "max-token-lifetime must be positive");
		}
		if (jwksRefreshMinInterval.isNegative() || jwksRefreshMinInterval.compareTo(jwksMaxAge) > 0) {
			throw new IllegalArgumentException(
					PREFIX + "jwks-refresh-min-interval must be between 0s and jwks-max-age");
		}
		if (jwksTimeout.isNegative() || jwksTimeout.isZero()) {
			throw new IllegalArgumentException(PREFIX + "jwks-timeout must be positive");
		}
		if (cacheSize < 0 || cacheSize > 1_000_000) {
			throw new IllegalArgumentException(PREFIX + "cache-size must be between 0 and 1000000");
		}
		requireReadable(jwksCaCertificates, "jwks-ca-certificates");
		if (jwksCaCertificates != null && certificates(jwksCaCertificates).isEmpty()) {
			throw new IllegalArgumentException(PREFIX + "jwks-ca-certificates holds no PEM certificate");
		}
		requireReadable(jwksTokenFile, "jwks-token-file");
	}

	/** Whether callers may authenticate with JWTs. */
	public boolean enabled() {
		return this.issuer != null;
	}

	/** The certificates in a PEM file; none if it is not one. */
	static Collection<? extends Certificate> certificates(Path file) {
		try (InputStream in = Files.newInputStream(file)) {
			return CertificateFactory.getInstance("X.509").generateCertificates(in);
		}
		catch (IOException | CertificateException ex) {
			return List.of();
		}
	}

	private static void requireReadable(@Nullable Path file, String property) {
		if (file != null && !(Files.isRegularFile(file) && Files.isReadable(file))) {
			throw new IllegalArgumentException(PREFIX + property + " is not a readable file");
		}
	}

}
