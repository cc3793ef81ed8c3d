package dev.portalgateway.caller;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.Collectors;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.source.JWKSecurityContextJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jwt.SignedJWT;
import dev.portalgateway.system.Sha256;
import dev.portalgateway.system.Causes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtAudienceValidator;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.oauth2.jwt.MappedJwtClaimSetConverter;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;

/**
 * Verifies a caller's JWT with Spring Security's {@link NimbusReactiveJwtDecoder}:
 * signature (only the configured asymmetric algorithms, keys from {@link JwksCache}),
 * then Spring Security's issuer, audience and timestamp validators ({@code exp} required,
 * clock skew allowed, the gateway's {@link Clock}), and a {@code sub}. Answers the
 * subject, or fails with a {@link Rejected} naming the reason.
 * <p>
 * About 280 lines: the algorithms a key may sign with, the decoder and the validators are
 * one verification, kept in one file so that what a token must pass is read in one place.
 */
final class JwtVerifier {

	private final NimbusReactiveJwtDecoder decoder;

	private final Clock clock;

	private final Duration clockSkew;

	private final Duration maxAge;

	/**
	 * Tokens verified already, by SHA-256, with their subjects. A calling pod sends the
	 * same token for up to an hour, and verifying a signature costs far more than the
	 * rest of a request (an ES256 one over a millisecond, bench/RESULTS.md). An entry
	 * lives until the token would no longer pass ({@code exp} plus the skew) and at most
	 * {@code jwks-max-age}, the time a key withdrawn by the issuer is trusted anyway.
	 * Failures are never cached.
	 */
	private final @Nullable Cache<String, Verified> verified;

	private final Duration keysRetryAfter;

	private final Keys keys;

	private final Counter verifications;

	/**
	 * Where the verifier gets its keys ({@link JwksCache}).
	 */
	@FunctionalInterface
	interface Keys {

		/** The keys that may have signed this token. */
		Flux<JWK> keysFor(SignedJWT token);

		/**
		 * Whether the keys may still be trusted; while not, no token is answered from
		 * memory either.
		 */
		default boolean trusted() {
			return true;
		}

	}

	JwtVerifier(Keys keys, JwtProperties properties, Clock clock, Ticker ticker, MeterRegistry meters) {
		Set<JWSAlgorithm> algorithms = properties.algorithms()
			.stream()
			.map(JWSAlgorithm::parse)
			.collect(Collectors.toUnmodifiableSet());
		this.keys = keys;
		this.verifications = Counter.builder("gateway.auth.jwt.verifications")
			.description("JWT signatures checked: tokens not answered from memory")
			.register(meters);
		this.decoder = NimbusReactiveJwtDecoder.withJwkSource(keys::keysFor)
			.jwtProcessorCustomizer((processor) -> processor
				.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, new JWKSecurityContextJWKSet())))
			.build();
		this.decoder.setJwtValidator(validator(properties, clock));
		// Spring's claim converter makes up an iat (exp minus a second) for a token with
		// none, which would let any token without iat past max-token-lifetime.
		MappedJwtClaimSetConverter claims = MappedJwtClaimSetConverter.withDefaults(Map.of());
		this.decoder.setClaimSetConverter((raw) -> {
			Map<String, Object> converted = claims.convert(raw);
			if (converted == null || raw.containsKey(JwtClaimNames.IAT)) {
				return converted;
			}
			Map<String, Object> withoutIat = new HashMap<>(converted);
			withoutIat.remove(JwtClaimNames.IAT);
			return withoutIat;
		});
		this.clock = clock;
		this.clockSkew = properties.clockSkew();
		this.maxAge = properties.jwksMaxAge();
		// A failed download is tried again no sooner than this (JwksCache).
		this.keysRetryAfter = max(properties.jwksRefreshMinInterval(), Duration.ofSeconds(1));
		this.verified = (properties.cacheSize() > 0) ? Caffeine.newBuilder()
			.ticker(ticker)
			// Maintenance on the common pool, never on an event loop.
			.executor(ForkJoinPool.commonPool())
			.maximumSize(properties.cacheSize())
			.expireAfter(Expiry.<String, Verified>creating((token, entry) -> entry.lifetime()))
			.build() : null;
	}

	private static Duration max(Duration one, Duration other) {
		return (one.compareTo(other) >= 0) ? one : other;
	}

	/**
	 * When a caller turned away for want of keys should come back: not before the keys
	 * are downloaded again.
	 */
	Duration keysRetryAfter() {
		return this.keysRetryAfter;
	}

	/** The token's subject, from memory or once it is verified. */
	Mono<String> subjectOf(String token) {
		String remembered = rememberedSubject(token);
		return (remembered != null) ? Mono.just(remembered) : verifiedSubject(token);
	}

	/**
	 * The subject of a token verified before, while it is remembered and the keys are
	 * trusted; null if the token needs a signature check.
	 */
	@Nullable String rememberedSubject(String token) {
		Cache<String, Verified> cache = this.verified;
		if (cache == null || !this.keys.trusted()) {
			return null;
		}
		Verified known = cache.getIfPresent(Sha256.hex(token));
		return (known != null) ? known.subject() : null;
	}

	/** The token's subject after a signature check; remembered if it passes. */
	Mono<String> verifiedSubject(String token) {
		Cache<String, Verified> cache = this.verified;
		Mono<Jwt> verified = verify(token);
		if (cache != null) {
			verified = verified.doOnNext((jwt) -> remember(cache, Sha256.hex(token), jwt));
		}
		return verified.map(Jwt::getSubject);
	}

	private Mono<Jwt> verify(String token) {
		this.verifications.increment();
		return this.decoder.decode(token).onErrorMap(JwtVerifier::rejection);
	}

	private void remember(Cache<String, Verified> cache, String key, Jwt jwt) {
		Instant expiry = jwt.getExpiresAt();
		if (expiry == null) {
			return;
		}
		Duration untilInvalid = Duration.between(Instant.now(this.clock), expiry.plus(this.clockSkew));
		Duration lifetime = (untilInvalid.compareTo(this.maxAge) < 0) ? untilInvalid : this.maxAge;
		if (!lifetime.isNegative() && !lifetime.isZero()) {
			cache.put(key, new Verified(jwt.getSubject(), lifetime));
		}
	}

	private record Verified(String subject, Duration lifetime) {
	}

	private static OAuth2TokenValidator<Jwt> validator(JwtProperties properties, Clock clock) {
		JwtTimestampValidator timestamps = new JwtTimestampValidator(properties.clockSkew());
		timestamps.setAllowEmptyExpiryClaim(false);
		timestamps.setClock(clock);
		OAuth2TokenValidator<Jwt> timing = (jwt) -> {
			if (!timestamps.validate(jwt).hasErrors()) {
				return OAuth2TokenValidatorResult.success();
			}
			Instant expiry = jwt.getExpiresAt();
			boolean expired = expiry == null || Instant.now(clock).minus(properties.clockSkew()).isAfter(expiry);
			return failure(expired ? Rejection.EXPIRED : Rejection.NOT_YET_VALID);
		};
		OAuth2TokenValidator<Jwt> lifetime = (jwt) -> {
			Instant expiry = jwt.getExpiresAt();
			Instant issued = (jwt.getIssuedAt() != null) ? jwt.getIssuedAt() : Instant.now(clock);
			boolean tooLong = expiry != null
					&& Duration.between(issued, expiry).compareTo(properties.maxTokenLifetime()) > 0;
			return tooLong ? failure(Rejection.LIFETIME_TOO_LONG) : OAuth2TokenValidatorResult.success();
		};
		List<OAuth2TokenValidator<Jwt>> inOrder = List.of(timing, lifetime,
				because(Rejection.WRONG_ISSUER, new JwtIssuerValidator(properties.issuer())),
				because(Rejection.WRONG_AUDIENCE, new JwtAudienceValidator(properties.audience())),
				because(Rejection.MISSING_SUBJECT, new JwtClaimValidator<Object>(JwtClaimNames.SUB,
						(sub) -> sub instanceof String subject && !subject.isBlank())));
		// The first failure decides the reason.
		return (jwt) -> inOrder.stream()
			.map((validator) -> validator.validate(jwt))
			.filter(OAuth2TokenValidatorResult::hasErrors)
			.findFirst()
			.orElse(OAuth2TokenValidatorResult.success());
	}

	private static OAuth2TokenValidator<Jwt> because(Rejection reason, OAuth2TokenValidator<Jwt> validator) {
		return (jwt) -> validator.validate(jwt).hasErrors() ? failure(reason) : OAuth2TokenValidatorResult.success();
	}

	private static OAuth2TokenValidatorResult failure(Rejection reason) {
		return OAuth2TokenValidatorResult.failure(new OAuth2Error(reason.tag()));
	}

	private static Throwable rejection(Throwable failure) {
		if (failure instanceof JwtValidationException invalid && !invalid.getErrors().isEmpty()) {
			return new Rejected(Rejection.ofTag(invalid.getErrors().iterator().next().getErrorCode()));
		}
		if (failure instanceof BadJwtException) {
			return new Rejected(unverified(failure) ? Rejection.BAD_SIGNATURE : Rejection.MALFORMED_JWT);
		}
		if (failure instanceof IllegalStateException) {
			// NimbusReactiveJwtDecoder's "Could not obtain the keys".
			return new Rejected(Rejection.KEYS_UNAVAILABLE);
		}
		return new Rejected(Rejection.BAD_SIGNATURE);
	}

	/**
	 * Whether the decoder refused the signature (no key, algorithm not allowed, unsigned,
	 * wrong signature) rather than the token's form.
	 */
	private static boolean unverified(Throwable failure) {
		return Causes.anyMatch(failure, (cause) -> cause instanceof BadJOSEException
				|| (cause.getMessage() != null && cause.getMessage().contains("Unsupported algorithm")));
	}

	/** A token turned away, and why. No stack trace: it is an answer, not a fault. */
	static final class Rejected extends RuntimeException {

		private final Rejection reason;

		Rejected(Rejection reason) {
			super(reason.tag(), null, false, false);
			this.reason = reason;
		}

		Rejection reason() {
			return this.reason;
		}

	}

}
