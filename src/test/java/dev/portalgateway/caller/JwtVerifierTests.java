package dev.portalgateway.caller;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.SignedJWT;
import dev.portalgateway.ManualTicker;
import dev.portalgateway.TestJwts;
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

	private final Function<SignedJWT, Flux<JWK>> keys = (jwt) -> {
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

	private JwtVerifier verifier(int cacheSize) {
		JwtProperties properties = new JwtProperties(TestJwts.ISSUER, URI.create("https://issuer.example/jwks"),
				TestJwts.AUDIENCE, Duration.ofSeconds(30), List.of("RS256", "ES256"), Duration.ofSeconds(10),
				Duration.ofMinutes(5), Duration.ofSeconds(5), null, null, cacheSize);
		return new JwtVerifier(this.keys, properties, Clock.systemUTC(), this.ticker);
	}

	private static void expectSubject(JwtVerifier verifier, String token) {
		StepVerifier.create(verifier.subjectOf(token))
			.expectNext(TestJwts.BILLING_SUBJECT)
			.expectComplete()
			.verify(Duration.ofSeconds(5));
	}

}
