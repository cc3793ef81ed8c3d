package dev.portalgateway.reliability;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntBinaryOperator;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.portalgateway.OwnNettyResources;
import dev.portalgateway.PortalGatewayApplication;
import dev.portalgateway.Seeded;
import dev.portalgateway.TestCallers;
import dev.portalgateway.TestJwts;
import dev.portalgateway.WorkOsFixtures;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input, generated: random and malformed bodies, deep nesting, odd Unicode,
 * oversized bodies, junk in headers, forged and mangled JWTs (random segments, crafted
 * headers such as {@code alg: none}, HMAC with a known {@code kid}, {@code jku}, and
 * valid tokens with a changed claim). Every answer is a 4xx problem (or a 201 for a body
 * that happens to be valid), never a 5xx, and the next good request still gets its link.
 */
class HostileInputTests {

	private static @Nullable ConfigurableApplicationContext gateway;

	private static @Nullable WireMockServer workOs;

	private static @Nullable WebTestClient client;

	static final String GOOD = "{\"organization\":\"org_01H1234567890ABCDEFGHIJK\",\"intent\":\"sso\"}";

	@BeforeAll
	static void start() {
		WireMockServer server = new WireMockServer(WireMockConfiguration.wireMockConfig().dynamicPort());
		server.start();
		server.stubFor(post("/portal/generate_link").willReturn(aResponse().withStatus(201)
			.withHeader("Content-Type", "application/json")
			.withBody(WorkOsFixtures.read("generate_link-201.json"))));
		// The issuer's keys, for the JWT callers.
		server.stubFor(get("/jwks").willReturn(aResponse().withStatus(200).withBody(TestJwts.jwks())));
		workOs = server;
		ConfigurableApplicationContext context = new SpringApplicationBuilder(PortalGatewayApplication.class,
				OwnNettyResources.class)
			.web(WebApplicationType.REACTIVE)
			.run("--server.port=0", "--management.server.port=0", "--gateway.workos.base-url=" + server.baseUrl(),
					"--gateway.workos.api-key=" + TestCallers.API_KEY, "--gateway.callers[0].name=billing",
					"--gateway.callers[0].token-sha256=" + TestCallers.sha256(TestCallers.BILLING_TOKEN),
					"--gateway.callers[0].intents=sso,dsync", "--gateway.callers[0].return-url-hosts=app.example.com",
					"--gateway.rate-limit.portal-links.limit=100000", "--logging.level.audit=warn",
					// Every forged token from this one address must reach the verifier;
					// the
					// failure budget at its default (20 per 10 s) is
					// AuthenticationCostTests'.
					"--gateway.auth.failure-budget.failures=100000", "--gateway.auth.jwt.issuer=" + TestJwts.ISSUER,
					"--gateway.auth.jwt.jwks-uri=" + server.baseUrl() + "/jwks",
					"--gateway.callers[1].name=billing-jwt", "--gateway.callers[1].subject=" + TestJwts.BILLING_SUBJECT,
					"--gateway.callers[1].intents=sso");
		gateway = context;
		client = WebTestClient.bindToServer()
			.baseUrl("http://localhost:" + context.getEnvironment().getProperty("local.server.port"))
			.responseTimeout(Duration.ofSeconds(10))
			.build();
	}

	private static final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();

	@AfterAll
	static void stop() {
		int sent = statuses.values().stream().mapToInt(AtomicInteger::get).sum();
		IntBinaryOperator between = (from, to) -> statuses.entrySet()
			.stream()
			.filter((entry) -> entry.getKey() >= from && entry.getKey() <= to)
			.mapToInt((entry) -> entry.getValue().get())
			.sum();
		int upstream = (workOs != null) ? workOs.getAllServeEvents().size() : 0;
		System.out.printf("hostile input: sent=%d, answered=%d, 2xx=%d, 429=%d, 5xx=%d, upstream=%d%n", sent,
				between.applyAsInt(100, 599), between.applyAsInt(200, 299), between.applyAsInt(429, 429),
				between.applyAsInt(500, 599), upstream);
		if (gateway != null) {
			gateway.close();
		}
		if (workOs != null) {
			workOs.stop();
		}
	}

	@Test
	void anyBodyIsAnsweredWithoutA5xx() {
		Seeded.check("bodies", 300, (seeded) -> {
			assertProblemOrLink(send(body(seeded).getBytes(StandardCharsets.UTF_8), MediaType.APPLICATION_JSON, null));
			assertGoodRequestStillWorks();
		});
	}

	@Test
	void deepNestingIsA400() {
		Seeded.check("depths", 40, (seeded) -> {
			int depth = seeded.between(400, 5000);
			String body = "{\"organization\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
			EntityExchangeResult<byte[]> result = send(body.getBytes(StandardCharsets.UTF_8),
					MediaType.APPLICATION_JSON, null);
			assertThat(result.getStatus().value()).isIn(400, 413);
			assertProblemOrLink(result);
		});
	}

	@Test
	void oversizedBodiesAre413() {
		Seeded.check("sizes", 30, (seeded) -> {
			int size = seeded.between(16 * 1024, 200 * 1024);
			byte[] body = ("{\"organization\":\"" + "x".repeat(size) + "\"}").getBytes(StandardCharsets.UTF_8);
			EntityExchangeResult<byte[]> result = send(body, MediaType.APPLICATION_JSON, null);
			assertThat(result.getStatus().value()).isEqualTo(413);
			assertProblemOrLink(result);
			assertGoodRequestStillWorks();
		});
	}

	@Test
	void junkInHeadersAndFieldsIsNeverA5xx() {
		Seeded.check("junk", 150, (seeded) -> junkIsNeverA5xx(junk(seeded)));
	}

	private void junkIsNeverA5xx(String junk) {
		String escaped = junk.replace("\\", "\\\\").replace("\"", "\\\"");
		String body = "{\"organization\":\"org_" + escaped + "\",\"intent\":\"sso\",\"return_url\":\"https://" + escaped
				+ "/x\"}";
		// Header values carry only visible ASCII; the body gets the Unicode too.
		String header = junk.replaceAll("[^!-~]", "");
		EntityExchangeResult<byte[]> result = send(body.getBytes(StandardCharsets.UTF_8), MediaType.APPLICATION_JSON,
				header.isEmpty() ? null : header);
		assertProblemOrLink(result);
		String requestId = result.getResponseHeaders().getFirst("X-Request-Id");
		assertThat(requestId).as("a request id safe to log").matches("[A-Za-z0-9._:-]{1,128}");
	}

	@Test
	void forgedAndMangledJwtsAre401() {
		Seeded.check("tokens", 200, (seeded) -> forgedJwtIs401(token(seeded)));
	}

	private void forgedJwtIs401(String token) {
		EntityExchangeResult<byte[]> result = client().post()
			.uri("/v1/portal-links")
			.header("Authorization", "Bearer " + token)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(GOOD)
			.exchange()
			.expectBody()
			.returnResult();
		statuses.computeIfAbsent(result.getStatus().value(), (status) -> new AtomicInteger()).incrementAndGet();
		assertThat(result.getStatus().value()).as("status for %s", token).isEqualTo(401);
		assertThat(result.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(new String(result.getResponseBodyContent(), StandardCharsets.UTF_8))
			.contains("\"code\":\"unauthorized\"")
			.doesNotContain("Exception");
		assertGoodRequestStillWorks();
	}

	private static final String BASE64URL = Seeded.alphabet('A', 'Z', 'a', 'z', '0', '9', '-', '-', '_', '_');

	private static final List<String> HEADERS = List.of("{}", "[]", "null", "{\"alg\":\"none\"}",
			"{\"alg\":\"HS256\",\"kid\":\"rsa-1\"}", "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"crit\":[\"x\"]}",
			"{\"alg\":\"ES256\",\"kid\":\"rsa-1\"}", "{\"alg\":\"RS256\",\"jku\":\"http://evil/\"}",
			"{\"alg\":\"RS256\",\"kid\":\"../../etc/passwd\"}", "{\"alg\":1}",
			"{\"alg\":\"RSA-OAEP\",\"enc\":\"A128GCM\"}");

	private static final List<String> CLAIMS = List.of(
			"{}", "{\"sub\":\"" + TestJwts.BILLING_SUBJECT + "\"}", "{\"sub\":\"" + TestJwts.BILLING_SUBJECT
					+ "\",\"aud\":\"portal-gateway\",\"iss\":\"" + TestJwts.ISSUER + "\",\"exp\":99999999999}",
			"{\"exp\":\"soon\"}", "{\"aud\":[1,2]}", "not json");

	private static final String VALID_JWT = TestJwts.sign(TestJwts.RSA);

	/**
	 * A JWT-shaped token that must not pass: random segments, a crafted header and claims
	 * with a random signature, or a valid token with one character of its claims changed.
	 */
	private static String token(Seeded seeded) {
		return switch (seeded.between(0, 2)) {
			case 0 -> "eyJ" + seeded.string(0, 600, BASE64URL) + "." + seeded.string(0, 600, BASE64URL) + "."
					+ seeded.string(0, 600, BASE64URL);
			case 1 -> crafted(seeded);
			default -> mangled(seeded);
		};
	}

	private static String crafted(Seeded seeded) {
		while (true) {
			String header = seeded.chance(0.3) ? seeded.anyString(100) : seeded.oneOf(HEADERS);
			String crafted = base64url(header) + "." + base64url(seeded.oneOf(CLAIMS)) + "."
					+ seeded.string(0, 600, BASE64URL);
			if (crafted.startsWith("eyJ")) {
				return crafted;
			}
		}
	}

	private static String mangled(Seeded seeded) {
		int from = VALID_JWT.indexOf('.') + 1;
		int to = VALID_JWT.lastIndexOf('.') - 2;
		while (true) {
			int at = seeded.between(from, to);
			String mangled = VALID_JWT.substring(0, at) + seeded.string(1, 1, BASE64URL) + VALID_JWT.substring(at + 1);
			if (!mangled.equals(VALID_JWT)) {
				return mangled;
			}
		}
	}

	private static String base64url(String text) {
		return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
	}

	private static final List<String> VALUES = List.of("null", "true", "[]", "{}", "1e999", "\"org_1\"", "\"sso\"",
			"\"https://app.example.com\"", "\"\\u0000\"");

	private static final List<String> FIELDS = List.of("organization", "intent", "return_url", "success_url",
			"intent_options", "it_contact_emails", "x", "__proto__", "");

	/** Any text, or a two-field object of odd names and values. */
	private static String body(Seeded seeded) {
		if (seeded.chance(0.5)) {
			return seeded.anyString(300);
		}
		return "{\"" + seeded.oneOf(FIELDS) + "\":" + value(seeded) + ",\"" + seeded.oneOf(FIELDS) + "\":"
				+ value(seeded) + "}";
	}

	private static String value(Seeded seeded) {
		return switch (seeded.between(0, 2)) {
			case 0 -> "\"" + seeded.anyString(300).replace("\"", "") + "\"";
			case 1 -> Integer.toString(seeded.between(Integer.MIN_VALUE, Integer.MAX_VALUE - 1));
			default -> seeded.oneOf(VALUES);
		};
	}

	private static final String JUNK = Seeded.alphabet('!', '~', '\u00a0', '\u024f', '\u202e', '\u202e', '\u200b',
			'\u200b', '\ufeff', '\ufeff', '\ud83d', '\ud83d');

	/** Visible ASCII, Latin letters, bidi overrides, zero-width and BOM characters. */
	private static String junk(Seeded seeded) {
		return seeded.string(1, 200, JUNK);
	}

	private static EntityExchangeResult<byte[]> send(byte[] body, MediaType type, @Nullable String requestId) {
		EntityExchangeResult<byte[]> result = exchange(body, type, requestId);
		statuses.computeIfAbsent(result.getStatus().value(), (status) -> new AtomicInteger()).incrementAndGet();
		return result;
	}

	private static EntityExchangeResult<byte[]> exchange(byte[] body, MediaType type, @Nullable String requestId) {
		return client().post().uri("/v1/portal-links").headers((headers) -> {
			headers.setBearerAuth(TestCallers.BILLING_TOKEN);
			if (requestId != null) {
				headers.set("X-Request-Id", requestId);
			}
		}).contentType(type).bodyValue(body).exchange().expectBody().returnResult();
	}

	private static void assertProblemOrLink(EntityExchangeResult<byte[]> result) {
		int status = result.getStatus().value();
		assertThat(status).as("status").isIn(201, 400, 403, 413, 415, 422);
		if (status != 201) {
			assertThat(result.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
			assertThat(new String(result.getResponseBodyContent(), StandardCharsets.UTF_8)).contains("\"code\"")
				.doesNotContain("Exception")
				.doesNotContain("\tat ");
		}
	}

	private static void assertGoodRequestStillWorks() {
		assertThat(send(GOOD.getBytes(StandardCharsets.UTF_8), MediaType.APPLICATION_JSON, null).getStatus().value())
			.isEqualTo(201);
	}

	private static WebTestClient client() {
		WebTestClient current = client;
		assertThat(current).isNotNull();
		return current;
	}

}
