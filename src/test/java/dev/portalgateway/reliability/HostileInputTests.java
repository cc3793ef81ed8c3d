package dev.portalgateway.reliability;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntBinaryOperator;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.portalgateway.OwnNettyResources;
import dev.portalgateway.PortalGatewayApplication;
import dev.portalgateway.TestCallers;
import dev.portalgateway.TestJwts;
import dev.portalgateway.WorkOsFixtures;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.jspecify.annotations.Nullable;

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

	@BeforeContainer
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
					"--gateway.auth.jwt.issuer=" + TestJwts.ISSUER,
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

	@AfterContainer
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

	@Property(tries = 300)
	void anyBodyIsAnsweredWithoutA5xx(@ForAll("bodies") String body) {
		assertProblemOrLink(send(body.getBytes(StandardCharsets.UTF_8), MediaType.APPLICATION_JSON, null));
		assertGoodRequestStillWorks();
	}

	@Property(tries = 40)
	void deepNestingIsA400(@ForAll("depths") int depth) {
		String body = "{\"organization\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
		EntityExchangeResult<byte[]> result = send(body.getBytes(StandardCharsets.UTF_8), MediaType.APPLICATION_JSON,
				null);
		assertThat(result.getStatus().value()).isIn(400, 413);
		assertProblemOrLink(result);
	}

	@Property(tries = 30)
	void oversizedBodiesAre413(@ForAll("sizes") int size) {
		byte[] body = ("{\"organization\":\"" + "x".repeat(size) + "\"}").getBytes(StandardCharsets.UTF_8);
		EntityExchangeResult<byte[]> result = send(body, MediaType.APPLICATION_JSON, null);
		assertThat(result.getStatus().value()).isEqualTo(413);
		assertProblemOrLink(result);
		assertGoodRequestStillWorks();
	}

	@Property(tries = 150)
	void junkInHeadersAndFieldsIsNeverA5xx(@ForAll("junk") String junk) {
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

	@Property(tries = 200)
	void forgedAndMangledJwtsAre401(@ForAll("tokens") String token) {
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

	@Provide
	Arbitrary<String> tokens() {
		String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		Arbitrary<String> segment = Arbitraries.strings().withChars(alphabet).ofMaxLength(600);
		Arbitrary<String> random = Combinators.combine(segment, segment, segment)
			.as((header, payload, signature) -> "eyJ" + header + "." + payload + "." + signature);
		Arbitrary<String> json = Arbitraries.oneOf(Arbitraries.strings().all().ofMaxLength(100),
				Arbitraries.of("{}", "[]", "null", "{\"alg\":\"none\"}", "{\"alg\":\"HS256\",\"kid\":\"rsa-1\"}",
						"{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"crit\":[\"x\"]}",
						"{\"alg\":\"ES256\",\"kid\":\"rsa-1\"}", "{\"alg\":\"RS256\",\"jku\":\"http://evil/\"}",
						"{\"alg\":\"RS256\",\"kid\":\"../../etc/passwd\"}", "{\"alg\":1}",
						"{\"alg\":\"RSA-OAEP\",\"enc\":\"A128GCM\"}"));
		Arbitrary<String> claims = Arbitraries.of(
				"{}", "{\"sub\":\"" + TestJwts.BILLING_SUBJECT + "\"}", "{\"sub\":\"" + TestJwts.BILLING_SUBJECT
						+ "\",\"aud\":\"portal-gateway\",\"iss\":\"" + TestJwts.ISSUER + "\",\"exp\":99999999999}",
				"{\"exp\":\"soon\"}", "{\"aud\":[1,2]}", "not json");
		Arbitrary<String> crafted = Combinators.combine(json, claims, segment)
			.as((header, payload, signature) -> base64url(header) + "." + base64url(payload) + "." + signature)
			.filter((token) -> token.startsWith("eyJ"));
		// A valid token with one character of its claims changed.
		String valid = TestJwts.sign(TestJwts.RSA);
		int from = valid.indexOf('.') + 1;
		int to = valid.lastIndexOf('.') - 2;
		Arbitrary<String> mangled = Combinators
			.combine(Arbitraries.integers().between(from, to), Arbitraries.of(alphabet.chars().boxed().toList()))
			.as((at, c) -> valid.substring(0, at) + (char) (int) c + valid.substring(at + 1))
			.filter((token) -> !token.equals(valid));
		return Arbitraries.oneOf(random, crafted, mangled);
	}

	private static String base64url(String text) {
		return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
	}

	@Provide
	Arbitrary<String> bodies() {
		Arbitrary<String> text = Arbitraries.strings().all().ofMaxLength(300);
		Arbitrary<String> value = Arbitraries.oneOf(text.map((s) -> "\"" + s.replace("\"", "") + "\""),
				Arbitraries.integers().map(String::valueOf), Arbitraries.of("null", "true", "[]", "{}", "1e999",
						"\"org_1\"", "\"sso\"", "\"https://app.example.com\"", "\"\\u0000\""));
		Arbitrary<String> field = Arbitraries.of("organization", "intent", "return_url", "success_url",
				"intent_options", "it_contact_emails", "x", "__proto__", "");
		Arbitrary<String> object = Combinators.combine(field, value, field, value)
			.as((f1, v1, f2, v2) -> "{\"" + f1 + "\":" + v1 + ",\"" + f2 + "\":" + v2 + "}");
		return Arbitraries.oneOf(text, object);
	}

	@Provide
	Arbitrary<Integer> depths() {
		return Arbitraries.integers().between(400, 5000);
	}

	@Provide
	Arbitrary<Integer> sizes() {
		return Arbitraries.integers().between(16 * 1024, 200 * 1024);
	}

	@Provide
	Arbitrary<String> junk() {
		return Arbitraries.strings()
			.withCharRange('!', '~')
			.withCharRange('\u00a0', '\u024f')
			.withChars('\u202e', '\u200b', '\ufeff', '\ud83d')
			.ofMinLength(1)
			.ofMaxLength(200);
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
