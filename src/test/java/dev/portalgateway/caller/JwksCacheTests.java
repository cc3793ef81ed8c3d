package dev.portalgateway.caller;

import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import dev.portalgateway.ManualTicker;
import dev.portalgateway.TestJwts;
import dev.portalgateway.WorkOsFixtures;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import org.springframework.web.reactive.function.client.WebClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JWKS cache against a real HTTP server (WireMock), with a manual ticker: when it
 * downloads, when it must not, and what it keeps.
 */
class JwksCacheTests {

	private static final String PATH = "/openid/v1/jwks";

	@RegisterExtension
	static WireMockExtension issuer = WorkOsFixtures.workOs();

	private final ManualTicker ticker = new ManualTicker();

	private final MeterRegistry meters = new SimpleMeterRegistry();

	@BeforeEach
	void serveTheUsualKeys() {
		issuer.stubFor(get(PATH).willReturn(jwks(TestJwts.jwks())));
	}

	@Test
	void downloadsOnFirstUseThenAnswersFromMemory() {
		JwksCache cache = cache(null);
		for (int i = 0; i < 3; i++) {
			assertThat(keyIds(cache, TestJwts.sign(TestJwts.RSA))).containsExactlyInAnyOrder("rsa-1", "ec-1");
		}
		assertThat(downloads()).isEqualTo(1);
		assertThat(this.meters.counter("gateway.auth.jwks.downloads", "outcome", "success").count()).isEqualTo(1);
	}

	@Test
	void anUnknownKidDownloadsAgainAtMostOncePerInterval() {
		JwksCache cache = cache(null);
		String rotated = TestJwts.sign(TestJwts.ROTATED);
		keyIds(cache, TestJwts.sign(TestJwts.RSA));
		this.ticker.advance(Duration.ofSeconds(10));
		assertThat(keyIds(cache, rotated)).doesNotContain("rsa-2");
		assertThat(downloads()).isEqualTo(2);
		// Forged kids in a burst: no more downloads until the interval has passed.
		issuer.stubFor(get(PATH).willReturn(jwks(TestJwts.jwks(TestJwts.RSA, TestJwts.EC, TestJwts.ROTATED))));
		for (int i = 0; i < 5; i++) {
			assertThat(keyIds(cache, rotated)).doesNotContain("rsa-2");
		}
		assertThat(downloads()).isEqualTo(2);
		this.ticker.advance(Duration.ofSeconds(10));
		assertThat(keyIds(cache, rotated)).contains("rsa-2");
		assertThat(downloads()).isEqualTo(3);
	}

	@Test
	void keysAreDownloadedAgainAfterMaxAgeSoAWithdrawnKeyStopsBeingTrusted() {
		JwksCache cache = cache(null);
		String token = TestJwts.sign(TestJwts.EC);
		assertThat(keyIds(cache, token)).contains("ec-1");
		issuer.stubFor(get(PATH).willReturn(jwks(TestJwts.jwks(TestJwts.RSA))));
		this.ticker.advance(Duration.ofMinutes(4));
		assertThat(keyIds(cache, token)).contains("ec-1");
		this.ticker.advance(Duration.ofMinutes(1));
		assertThat(keyIds(cache, token)).containsExactly("rsa-1");
		assertThat(downloads()).isEqualTo(2);
	}

	@Test
	void aFailedRefreshKeepsTheKeysItHas() {
		JwksCache cache = cache(null);
		String token = TestJwts.sign(TestJwts.RSA);
		keyIds(cache, token);
		issuer.stubFor(get(PATH).willReturn(aResponse().withStatus(503)));
		this.ticker.advance(Duration.ofMinutes(5));
		assertThat(keyIds(cache, token)).containsExactlyInAnyOrder("rsa-1", "ec-1");
		assertThat(this.meters.counter("gateway.auth.jwks.downloads", "outcome", "failure").count()).isEqualTo(1);
		// The next attempt waits for the interval, not for every token.
		keyIds(cache, token);
		assertThat(downloads()).isEqualTo(2);
		this.ticker.advance(Duration.ofSeconds(10));
		keyIds(cache, token);
		assertThat(downloads()).isEqualTo(3);
	}

	@Test
	void withoutKeysAFailedDownloadFailsVerificationAndIsNotRetriedForEveryToken() {
		issuer.stubFor(get(PATH).willReturn(aResponse().withStatus(500)));
		JwksCache cache = cache(null);
		SignedJWT token = parse(TestJwts.sign(TestJwts.RSA));
		StepVerifier.create(cache.keysFor(token)).expectError().verify(Duration.ofSeconds(5));
		StepVerifier.create(cache.keysFor(token))
			.expectErrorMessage("No JWKS it may trust and the last download failed")
			.verify(Duration.ofSeconds(5));
		assertThat(downloads()).isEqualTo(1);
		issuer.stubFor(get(PATH).willReturn(jwks(TestJwts.jwks())));
		this.ticker.advance(Duration.ofSeconds(10));
		assertThat(keyIds(cache, TestJwts.sign(TestJwts.RSA))).contains("rsa-1");
	}

	@Test
	void keysThatCouldNotBeRefreshedForMaxStaleAreNoLongerTrusted() {
		JwksCache cache = cache(null);
		String token = TestJwts.sign(TestJwts.RSA);
		keyIds(cache, token);
		issuer.stubFor(get(PATH).willReturn(aResponse().withStatus(503)));
		this.ticker.advance(Duration.ofMinutes(59));
		assertThat(keyIds(cache, token)).as("refresh failed, still within jwks-max-stale (1 h)").contains("rsa-1");
		assertThat(cache.trusted()).isTrue();
		this.ticker.advance(Duration.ofMinutes(1));
		assertThat(cache.trusted()).isFalse();
		StepVerifier.create(cache.keysFor(parse(token))).expectError().verify(Duration.ofSeconds(5));
		// Not trusted again until a download succeeds.
		this.ticker.advance(Duration.ofSeconds(10));
		StepVerifier.create(cache.keysFor(parse(token))).expectError().verify(Duration.ofSeconds(5));
		issuer.stubFor(get(PATH).willReturn(jwks(TestJwts.jwks())));
		this.ticker.advance(Duration.ofSeconds(10));
		assertThat(keyIds(cache, token)).contains("rsa-1");
		assertThat(cache.trusted()).isTrue();
	}

	@Test
	void aTokenWithoutKidGetsTheOneKeyThatCouldVerifyItOrNone() {
		JwksCache cache = cache(null);
		assertThat(keyIds(cache, TestJwts.signWithoutKid(TestJwts.RSA))).containsExactly("rsa-1");
		assertThat(keyIds(cache, TestJwts.signWithoutKid(TestJwts.EC))).containsExactly("ec-1");
		// Two RSA keys (a rotation): a token without kid would cost a check per key.
		issuer.stubFor(get(PATH).willReturn(jwks(TestJwts.jwks(TestJwts.RSA, TestJwts.EC, TestJwts.ROTATED))));
		this.ticker.advance(Duration.ofMinutes(5));
		assertThat(keyIds(cache, TestJwts.signWithoutKid(TestJwts.RSA))).isEmpty();
		assertThat(keyIds(cache, TestJwts.signWithoutKid(TestJwts.EC))).containsExactly("ec-1");
		assertThat(keyIds(cache, TestJwts.sign(TestJwts.RSA))).as("with a kid: the whole set, as before")
			.containsExactlyInAnyOrder("rsa-1", "ec-1", "rsa-2");
	}

	@Test
	void tokensArrivingTogetherShareOneDownload() {
		issuer.stubFor(get(PATH).willReturn(jwks(TestJwts.jwks()).withFixedDelay(100)));
		JwksCache cache = cache(null);
		SignedJWT token = parse(TestJwts.sign(TestJwts.RSA));
		StepVerifier.create(Flux.range(0, 8).flatMap((i) -> cache.keysFor(token).count()))
			.expectNextCount(8)
			.verifyComplete();
		assertThat(downloads()).isEqualTo(1);
	}

	@Test
	void sendsTheTokenFromTheFileAndReadsItAgainForEachDownload(@TempDir Path dir) throws Exception {
		Path file = dir.resolve("token");
		Files.writeString(file, "first-token\n");
		JwksCache cache = cache(file);
		keyIds(cache, TestJwts.sign(TestJwts.RSA));
		Files.writeString(file, "rotated-token\n");
		this.ticker.advance(Duration.ofMinutes(5));
		keyIds(cache, TestJwts.sign(TestJwts.RSA));
		issuer.verify(1, getRequestedFor(urlEqualTo(PATH)).withHeader("Authorization", equalTo("Bearer first-token")));
		issuer.verify(1,
				getRequestedFor(urlEqualTo(PATH)).withHeader("Authorization", equalTo("Bearer rotated-token")));
	}

	@Test
	void keepsOnlyPublicKeys() throws Exception {
		OctetSequenceKey secret = new OctetSequenceKeyGenerator(256).keyID("oct-1").generate();
		String body = "{\"keys\":[" + TestJwts.RSA.toJSONString() + "," + secret.toJSONString() + "]}";
		issuer.stubFor(get(PATH).willReturn(jwks(body)));
		StepVerifier.create(cache(null).keysFor(parse(TestJwts.sign(TestJwts.RSA)))).assertNext((key) -> {
			assertThat(key.getKeyID()).isEqualTo("rsa-1");
			assertThat(key.isPrivate()).isFalse();
		}).verifyComplete();
	}

	private JwksCache cache(Path tokenFile) {
		JwtProperties properties = new JwtProperties(TestJwts.ISSUER, java.net.URI.create(issuer.baseUrl() + PATH),
				"portal-gateway", Duration.ofSeconds(30), List.of("RS256", "ES256"), Duration.ofSeconds(10),
				Duration.ofMinutes(5), Duration.ofSeconds(2), null, tokenFile, 10_000, Duration.ofHours(1),
				Duration.ofHours(24), false);
		return new JwksCache(WebClient.create(), properties, this.ticker, this.meters);
	}

	private static List<String> keyIds(JwksCache cache, String token) {
		List<String> ids = new java.util.ArrayList<>();
		StepVerifier.create(cache.keysFor(parse(token)).map(JWK::getKeyID))
			.recordWith(() -> ids)
			.thenConsumeWhile((id) -> true)
			.verifyComplete();
		return ids;
	}

	private static int downloads() {
		return issuer.findAll(getRequestedFor(urlEqualTo(PATH))).size();
	}

	private static SignedJWT parse(String token) {
		try {
			return SignedJWT.parse(token);
		}
		catch (ParseException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static ResponseDefinitionBuilder jwks(String body) {
		return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
	}

}
