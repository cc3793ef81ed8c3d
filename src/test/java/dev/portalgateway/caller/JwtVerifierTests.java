package dev.portalgateway.caller;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.SignedJWT;
import dev.portalgateway.ManualTicker;
import dev.portalgateway.TestJwts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The verifier's memory of tokens it has verified: a token is verified once, then
 * answered from memory until it expires or {@code jwks-max-age} has passed; failures and
 * other tokens are always verified. The key source counts how often a signature is
 * checked.
 */
class JwtVerifierTests {

	private final ManualTicker ticker = new ManualTicker();

	private final AtomicInteger verifications = new AtomicInteger();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final JwtVerifier.Keys keys = (jwt) -> {
		this.verifications.incrementAndGet();
		return Flux.just(TestJwts.RSA.toPublicJWK(), TestJwts.EC.toPublicJWK());
	};

	@Test
	void aVerifiedTokenIsAnsweredFromMemoryUntilMaxAge() {
		JwtVerifier verifier = verifier(10_000);
		String token = TestJwts.sign(TestJwts.EC);
		for (int i = 0; i < 3; i++) {
			expectSubject(verifier, token);
		}
		assertThat(this.verifications).hasValue(1);
		this.ticker.advance(Duration.ofMinutes(5));
		expectSubject(verifier, token);
		assertThat(this.verifications).hasValue(2);
	}

	@Test
	void aTokenIsRememberedNoLongerThanItIsValid() {
		JwtVerifier verifier = verifier(10_000);
		String token = TestJwts.sign(TestJwts.RSA,
				(claims) -> claims.expirationTime(TestJwts.fromNow(Duration.ofSeconds(60))));
		expectSubject(verifier, token);
		// exp + 30 s of skew: 89-90 s (exp has whole seconds), not the 5 minutes of
		// jwks-max-age.
		this.ticker.advance(Duration.ofSeconds(88));
		expectSubject(verifier, token);
		assertThat(this.verifications).hasValue(1);
		this.ticker.advance(Duration.ofSeconds(3));
		expectSubject(verifier, token);
		assertThat(this.verifications).hasValue(2);
	}

	@Test
	void failuresAreNeverRemembered() {
		JwtVerifier verifier = verifier(10_000);
		String forged = TestJwts.sign(TestJwts.FORGER);
		for (int i = 0; i < 2; i++) {
			StepVerifier.create(verifier.subjectOf(forged))
				.expectErrorSatisfies((error) -> assertThat(error).isInstanceOfSatisfying(JwtVerifier.Rejected.class,
						(rejected) -> assertThat(rejected.reason()).isEqualTo(Rejection.BAD_SIGNATURE)))
				.verify(Duration.ofSeconds(5));
		}
		assertThat(this.verifications).hasValue(2);
	}

	@Test
	void aDifferentTokenForTheSameSubjectIsVerifiedAgain() {
		JwtVerifier verifier = verifier(10_000);
		expectSubject(verifier, TestJwts.sign(TestJwts.RSA));
		expectSubject(verifier, TestJwts.sign(TestJwts.RSA, (claims) -> claims.jwtID("another")));
		assertThat(this.verifications).hasValue(2);
	}

	@Test
	void withoutACacheEveryTokenIsVerified() {
		JwtVerifier verifier = verifier(0);
		String token = TestJwts.sign(TestJwts.RSA);
		expectSubject(verifier, token);
		expectSubject(verifier, token);
		assertThat(this.verifications).hasValue(2);
	}

	@Test
	void refusesATokenLivingLongerThanMaxTokenLifetime() {
		JwtVerifier verifier = verifier(10_000);
		// At the default max-token-lifetime (24 h): exp − iat of 25 h, or, without iat,
		// exp 25 h from now.
		expectRejected(verifier,
				TestJwts.sign(TestJwts.RSA, (claims) -> claims.expirationTime(TestJwts.fromNow(Duration.ofHours(25)))),
				Rejection.LIFETIME_TOO_LONG);
		expectRejected(verifier,
				TestJwts.sign(TestJwts.RSA,
						(claims) -> claims.issueTime(null).expirationTime(TestJwts.fromNow(Duration.ofHours(25)))),
				Rejection.LIFETIME_TOO_LONG);
		expectSubject(verifier,
				TestJwts.sign(TestJwts.RSA, (claims) -> claims.expirationTime(TestJwts.fromNow(Duration.ofHours(23)))));
	}

	@Test
	void rememberedTokensAreVerifiedAgainOnceTheKeysAreNoLongerTrusted() {
		AtomicBoolean trusted = new AtomicBoolean(true);
		JwtVerifier.Keys keys = new JwtVerifier.Keys() {
			@Override
			public Flux<JWK> keysFor(SignedJWT jwt) {
				return JwtVerifierTests.this.keys.keysFor(jwt);
			}

			@Override
			public boolean trusted() {
				return trusted.get();
			}
		};
		JwtVerifier verifier = new JwtVerifier(keys, properties(10_000), Clock.systemUTC(), this.ticker, this.meters);
		String token = TestJwts.sign(TestJwts.RSA);
		expectSubject(verifier, token);
		assertThat(verifier.rememberedSubject(token)).isEqualTo(TestJwts.BILLING_SUBJECT);
		trusted.set(false);
		assertThat(verifier.rememberedSubject(token)).isNull();
		expectSubject(verifier, token);
		assertThat(this.verifications).hasValue(2);
		assertThat(this.meters.counter("gateway.auth.jwt.verifications").count()).isEqualTo(2);
	}

	private static void expectRejected(JwtVerifier verifier, String token, Rejection reason) {
		StepVerifier.create(verifier.subjectOf(token))
			.expectErrorSatisfies((error) -> assertThat(error).isInstanceOfSatisfying(JwtVerifier.Rejected.class,
					(rejected) -> assertThat(rejected.reason()).isEqualTo(reason)))
			.verify(Duration.ofSeconds(5));
	}

	private JwtVerifier verifier(int cacheSize) {
		return new JwtVerifier(this.keys, properties(cacheSize), Clock.systemUTC(), this.ticker, this.meters);
	}

	private static JwtProperties properties(int cacheSize) {
		return new JwtProperties(TestJwts.ISSUER, URI.create("https://issuer.example/jwks"), TestJwts.AUDIENCE,
				Duration.ofSeconds(30), List.of("RS256", "ES256"), Duration.ofSeconds(10), Duration.ofMinutes(5),
				Duration.ofSeconds(5), null, null, cacheSize, Duration.ofHours(1), Duration.ofHours(24), false);
	}

	private static void expectSubject(JwtVerifier verifier, String token) {
		StepVerifier.create(verifier.subjectOf(token))
			.expectNext(TestJwts.BILLING_SUBJECT)
			.expectComplete()
			.verify(Duration.ofSeconds(5));
	}

}
