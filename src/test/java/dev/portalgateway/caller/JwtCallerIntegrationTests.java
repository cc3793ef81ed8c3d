package dev.portalgateway.caller;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.portalgateway.ConsoleLines;
import dev.portalgateway.ManualTicker;
import dev.portalgateway.OpenApiContract;
import dev.portalgateway.StubbedWorkOs;
import dev.portalgateway.TestCallers;
import dev.portalgateway.TestJwts;
import dev.portalgateway.TlsCertificates;
import dev.portalgateway.WorkOsFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.WebFilterChainProxy;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Callers with JWTs (shaped like Kubernetes service-account tokens) against the whole
 * gateway: WireMock plays both WorkOS and the issuer's JWKS endpoint, the latter as the
 * API server does (TLS with a certificate only the configured CA file vouches for, and a
 * bearer token from a file). Each kind of token gets its answer, only a valid and allowed
 * one reaches WorkOS, failures are counted by reason, the audit line names the subject,
 * and static tokens keep working alongside.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "management.server.port=0")
// At the default jwks-refresh-min-interval (10 s): the rotation test moves time instead.
@Import(ManualTicker.InContext.class)
@ExtendWith(OutputCaptureExtension.class)
@StubbedWorkOs(callers = false)
class JwtCallerIntegrationTests {

	static final String JWKS_PATH = "/openid/v1/jwks";

	/**
	 * JWT-shaped, and its hash is a static token's: it must still be verified as a JWT.
	 */
	static final String FORGED_WITH_STATIC_HASH = TestJwts.sign(TestJwts.FORGER);

	@Autowired
	WireMockServer workOs;

	/**
	 * The issuer over TLS with a certificate the JVM does not trust, and wanting a bearer
	 * token, like the Kubernetes API server.
	 */
	static final TlsCertificates TLS = TlsCertificates.forLocalhost();

	@RegisterExtension
	static WireMockExtension issuer = WireMockExtension.newInstance()
		.options(WireMockConfiguration.wireMockConfig()
			.dynamicPort()
			.dynamicHttpsPort()
			.keystorePath(TLS.keyStore().toString())
			.keystoreType("PKCS12")
			.keystorePassword(TlsCertificates.PASSWORD)
			.keyManagerPassword(TlsCertificates.PASSWORD))
		.build();

	static final String ISSUER_TOKEN = "gateways-own-service-account-token";

	@TempDir
	static Path files;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) throws IOException {
		TestCallers.register(registry);
		Path ca = TLS.certificate();
		Path token = files.resolve("token");
		Files.writeString(token, ISSUER_TOKEN + "\n");
		TestJwts.register(registry, () -> "https://localhost:" + issuer.getHttpsPort() + JWKS_PATH);
		registry.add("gateway.auth.jwt.jwks-ca-certificates", ca::toString);
		registry.add("gateway.auth.jwt.jwks-token-file", token::toString);
		registry.add("gateway.callers[3].name", () -> "legacy");
		registry.add("gateway.callers[3].token-sha256", () -> TestCallers.sha256(FORGED_WITH_STATIC_HASH));
		registry.add("gateway.callers[3].intents", () -> "sso");
	}

	@LocalServerPort
	int port;

	@Autowired
	ApplicationContext context;

	@Autowired
	ManualTicker ticker;

	WebTestClient client;

	@BeforeEach
	void setUp() {
		this.client = TestCallers.client(this.port);
		issuer.stubFor(get(JWKS_PATH).willReturn(aResponse().withStatus(401)));
		issuer.stubFor(get(JWKS_PATH).withHeader("Authorization", equalTo("Bearer " + ISSUER_TOKEN))
			.willReturn(jwks(TestJwts.jwks())));
		WorkOsFixtures.stubLinks(workOs,
				aResponse().withStatus(201)
					.withHeader("Content-Type", "application/json")
					.withBody(WorkOsFixtures.read("generate_link-201.json")));
	}

	@Test
	void aValidRsaTokenWhosePolicyAllowsTheIntentGetsALink(CapturedOutput output) {
		EntityExchangeResult<byte[]> result = requestLink(TestJwts.sign(TestJwts.RSA));
		assertThat(result.getStatus().value()).isEqualTo(201);
		OpenApiContract.assertInteractionMatches(result);
		assertThat(WorkOsFixtures.linkRequests(workOs)).hasSize(1);
		assertThat(ConsoleLines.flushed(output)).containsPattern("portal_link caller=billing-jwt subject="
				+ TestJwts.BILLING_SUBJECT + " organization=org_\\w+ " + "intent=sso outcome=created status=201");
	}

	@Test
	void aValidEcTokenGetsALink() {
		assertThat(requestLink(TestJwts.sign(TestJwts.EC)).getStatus().value()).isEqualTo(201);
		assertThat(WorkOsFixtures.linkRequests(workOs)).hasSize(1);
	}

	@Test
	void theJwtCallersPolicyStillApplies() {
		EntityExchangeResult<byte[]> result = this.client.post()
			.uri("/v1/portal-links")
			.headers((headers) -> headers.setBearerAuth(TestJwts.sign(TestJwts.RSA)))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"organization\":\"org_01H1234567890ABCDEFGHIJK\",\"intent\":\"dsync\"}")
			.exchange()
			.expectBody()
			.returnResult();
		assertThat(result.getStatus().value()).isEqualTo(403);
		assertThat(new String(result.getResponseBodyContent())).contains("\"code\":\"intent_not_allowed\"");
		assertThat(WorkOsFixtures.linkRequests(workOs)).isEmpty();
	}

	static java.util.stream.Stream<Arguments> invalidTokens() {
		return java.util.stream.Stream.of(
				Arguments.of("expired",
						TestJwts.sign(TestJwts.RSA,
								(claims) -> claims.issueTime(TestJwts.fromNow(Duration.ofHours(-2)))
									.notBeforeTime(TestJwts.fromNow(Duration.ofHours(-2)))
									.expirationTime(TestJwts.fromNow(Duration.ofMinutes(-2))))),
				Arguments.of("expired", TestJwts.sign(TestJwts.RSA, (claims) -> claims.expirationTime(null))),
				Arguments.of("not_yet_valid",
						TestJwts.sign(TestJwts.EC,
								(claims) -> claims.notBeforeTime(TestJwts.fromNow(Duration.ofMinutes(5))))),
				Arguments.of("wrong_audience",
						TestJwts.sign(TestJwts.RSA, (claims) -> claims.audience("https://kubernetes.default.svc"))),
				Arguments.of("wrong_issuer", TestJwts.sign(TestJwts.RSA, (claims) -> claims.issuer("https://evil"))),
				Arguments.of("missing_subject", TestJwts.sign(TestJwts.RSA, (claims) -> claims.subject(null))),
				Arguments.of("bad_signature", TestJwts.sign(TestJwts.FORGER)),
				Arguments.of("bad_signature", TestJwts.unsigned()),
				Arguments.of("bad_signature", TestJwts.hmacWithPublicKey(TestJwts.RSA)),
				Arguments.of("bad_signature", tamper(TestJwts.sign(TestJwts.RSA))),
				// A header that is not JSON: signature or not, it cannot be read.
				Arguments.of("malformed_jwt", "eyJhbGciOiJSUzI1NiI.e30.c2ln"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("invalidTokens")
	void anInvalidTokenIsUnauthorizedWithoutSayingWhy(String reason, String token) {
		double before = failures(reason);
		EntityExchangeResult<byte[]> result = requestLink(token);
		assertThat(result.getStatus().value()).isEqualTo(401);
		assertThat(result.getResponseHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
			.isEqualTo("Bearer realm=\"portal-gateway\", error=\"invalid_token\"");
		String body = new String(result.getResponseBodyContent());
		assertThat(body).contains("\"code\":\"unauthorized\"")
			.contains("\"detail\":\"The bearer token is not valid.\"")
			.doesNotContain(reason)
			.doesNotContainIgnoringCase("expired")
			.doesNotContainIgnoringCase("audience")
			.doesNotContainIgnoringCase("issuer")
			.doesNotContainIgnoringCase("signature");
		OpenApiContract.assertInteractionMatches(result);
		assertThat(failures(reason)).isEqualTo(before + 1);
		assertThat(WorkOsFixtures.linkRequests(workOs)).isEmpty();
	}

	@Test
	void aValidTokenWhoseSubjectNoPolicyNamesIsForbidden(CapturedOutput output) {
		String stranger = "system:serviceaccount:other:stranger";
		EntityExchangeResult<byte[]> result = requestLink(
				TestJwts.sign(TestJwts.RSA, (claims) -> claims.subject(stranger)));
		assertThat(result.getStatus().value()).isEqualTo(403);
		String body = new String(result.getResponseBodyContent());
		assertThat(body).contains("\"code\":\"caller_not_allowed\"").doesNotContain(stranger);
		OpenApiContract.assertInteractionMatches(result);
		assertThat(WorkOsFixtures.linkRequests(workOs)).isEmpty();
		assertThat(ConsoleLines.flushed(output)).contains("portal_link caller=- subject=" + stranger
				+ " organization=- intent=- " + "outcome=caller_not_allowed status=403");
	}

	@Test
	void aSignedSubjectCannotForgeAuditFields(CapturedOutput output) {
		String forging = "x outcome=created status=201\nportal_link caller=billing";
		EntityExchangeResult<byte[]> result = requestLink(
				TestJwts.sign(TestJwts.RSA, (claims) -> claims.subject(forging)));
		assertThat(result.getStatus().value()).isEqualTo(403);
		assertThat(ConsoleLines.flushed(output))
			.contains("portal_link caller=- subject=(unprintable) organization=- intent=- "
					+ "outcome=caller_not_allowed status=403")
			.doesNotContain("subject=x outcome");
	}

	@Test
	void aKeyTheIssuerRotatesInIsFetchedOnFirstSight() {
		String token = TestJwts.sign(TestJwts.ROTATED);
		// Unknown key ids send the gateway to the issuer at most every 10 s (the
		// default).
		this.ticker.advance(Duration.ofSeconds(10));
		assertThat(requestLink(token).getStatus().value()).isEqualTo(401);
		issuer.stubFor(get(JWKS_PATH).withHeader("Authorization", equalTo("Bearer " + ISSUER_TOKEN))
			.willReturn(jwks(TestJwts.jwks(TestJwts.RSA, TestJwts.EC, TestJwts.ROTATED))));
		assertThat(requestLink(token).getStatus().value()).as("within the 10 s").isEqualTo(401);
		this.ticker.advance(Duration.ofSeconds(10));
		assertThat(requestLink(token).getStatus().value()).isEqualTo(201);
		// The download for the unknown kid, then the one that found it.
		assertThat(issuer.findAll(getRequestedFor(urlEqualTo(JWKS_PATH)))).hasSize(2);
		assertThat(WorkOsFixtures.linkRequests(workOs)).hasSize(1);
	}

	@Test
	void keysThatCouldNotBeRefreshedForJwksMaxStaleAreNoLongerTrusted() {
		String token = TestJwts.sign(TestJwts.RSA, (claims) -> claims.jwtID("stale-keys"));
		// Keys downloaded now, then the issuer goes down.
		this.ticker.advance(Duration.ofMinutes(5));
		assertThat(requestLink(token).getStatus().value()).isEqualTo(201);
		issuer.stubFor(get(JWKS_PATH).withHeader("Authorization", equalTo("Bearer " + ISSUER_TOKEN))
			.willReturn(aResponse().withStatus(503)));
		this.ticker.advance(Duration.ofMinutes(59));
		assertThat(requestLink(token).getStatus().value()).as("within jwks-max-stale (1 h): the old keys")
			.isEqualTo(201);
		this.ticker.advance(Duration.ofMinutes(1));
		EntityExchangeResult<byte[]> stale = requestLink(token);
		assertThat(stale.getStatus().value()).isEqualTo(503);
		assertThat(new String(stale.getResponseBodyContent(), java.nio.charset.StandardCharsets.UTF_8))
			.contains("\"code\":\"auth_unavailable\"");
		assertThat(stale.getResponseHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("10");
		// Static tokens are not affected.
		assertThat(TestCallers.requestLink(this.client).expectBody().returnResult().getStatus().value()).isEqualTo(201);
		// The issuer comes back: trusted again once a download succeeds.
		issuer.stubFor(get(JWKS_PATH).withHeader("Authorization", equalTo("Bearer " + ISSUER_TOKEN))
			.willReturn(jwks(TestJwts.jwks())));
		this.ticker.advance(Duration.ofSeconds(10));
		assertThat(requestLink(token).getStatus().value()).isEqualTo(201);
	}

	@Test
	void aJwtShapedTokenIsNeverComparedWithStaticHashes() {
		// Its SHA-256 is the "legacy" caller's static token hash; as a JWT its signature
		// is forged.
		assertThat(requestLink(FORGED_WITH_STATIC_HASH).getStatus().value()).isEqualTo(401);
		assertThat(WorkOsFixtures.linkRequests(workOs)).isEmpty();
	}

	@Test
	void staticTokensKeepWorkingAlongsideJwts() {
		assertThat(requestLink(TestCallers.BILLING_TOKEN).getStatus().value()).isEqualTo(201);
		double before = failures("unknown_token");
		assertThat(requestLink("not-a-known-static-token").getStatus().value()).isEqualTo(401);
		assertThat(failures("unknown_token")).isEqualTo(before + 1);
		assertThat(WorkOsFixtures.linkRequests(workOs)).hasSize(1);
	}

	@Test
	void iconsAcceptJwtCallersToo() {
		WorkOsFixtures.stubIcons(workOs);
		this.client.get()
			.uri("/v1/provider-icons")
			.headers((headers) -> headers.setBearerAuth(TestJwts.sign(TestJwts.EC)))
			.exchange()
			.expectStatus()
			.isOk();
	}

	@Test
	void noTokenContentReachesMetricsOrLogs(CapturedOutput output) {
		String token = TestJwts.sign(TestJwts.RSA, (claims) -> claims.audience("elsewhere"));
		requestLink(token);
		String scrape = TestCallers.scrape(managementPort());
		assertThat(scrape).contains("gateway_auth_failures_total{")
			.doesNotContain(token.substring(0, 40))
			.doesNotContain(TestJwts.BILLING_SUBJECT);
		assertThat(ConsoleLines.flushed(output)).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
	}

	@Test
	void springSecuritysWebFilterChainIsNotInstalled() {
		// Spring Security is on the class path for its JWT decoder; its filter chain
		// (login on every path, default headers) must not be.
		assertThat(this.context.getBeanNamesForType(SecurityWebFilterChain.class)).isEmpty();
		assertThat(this.context.getBeanNamesForType(WebFilterChainProxy.class)).isEmpty();
		assertThat(this.context.getBeanNamesForType(ServerHttpSecurity.class)).isEmpty();
		TestCallers.client(managementPort()).get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
	}

	private int managementPort() {
		return Integer.parseInt(this.context.getEnvironment().getProperty("local.management.port"));
	}

	private EntityExchangeResult<byte[]> requestLink(String token) {
		return TestCallers.requestLink(this.client, token).expectBody().returnResult();
	}

	private double failures(String reason) {
		String scrape = TestCallers.scrape(managementPort());
		return scrape.lines()
			.filter((line) -> line.startsWith("gateway_auth_failures_total{")
					&& line.contains("reason=\"" + reason + "\""))
			.map((line) -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
			.findFirst()
			.orElse(0.0);
	}

	private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder jwks(String body) {
		return aResponse().withStatus(200).withHeader("Content-Type", "application/jwk-set+json").withBody(body);
	}

	/** The same token with one character of its payload changed. */
	private static String tamper(String token) {
		int at = token.indexOf('.') + 5;
		char changed = (token.charAt(at) == 'A') ? 'B' : 'A';
		return token.substring(0, at) + changed + token.substring(at + 1);
	}

}
