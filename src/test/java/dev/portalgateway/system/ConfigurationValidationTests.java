package dev.portalgateway.system;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.portalgateway.ConsoleLines;
import dev.portalgateway.PortalGatewayApplication;
import dev.portalgateway.TestCallers;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * A bad property stops startup with one line naming it, and never prints its value.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConfigurationValidationTests {

	private static final String HASH = TestCallers.sha256("some-token");

	// Each row sets one value the gateway must refuse (a timeout of 0s, a malformed
	// node, …), to see startup stop; none of them is a default changed for a test.
	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"gateway.workos.api-key= | gateway.workos.api-key is required: set WORKOS_API_KEY | -",
			"gateway.workos.api-key=pk_live_leakyValue123 | gateway.workos.api-key must start with sk_test_ or sk_live_ | leakyValue123",
			"gateway.workos.api-key=sk_live_has space | gateway.workos.api-key must start with sk_test_ or sk_live_ | has space",
			"gateway.workos.base-url=ftp://api.workos.com | gateway.workos.base-url must be an absolute http(s) URL | -",
			"gateway.workos.base-url=http://api.workos.com | gateway.workos.base-url must be https (plain http only to localhost | -",
			"gateway.workos.base-url=http://10.0.0.7:8080 | gateway.workos.base-url must be https | -",
			"gateway.icons.path=//evil.example/x | gateway.icons.path must be a plain absolute path | -",
			"gateway.icons.path=/portal/../admin | gateway.icons.path must be a plain absolute path | -",
			"gateway.icons.path=/portal/icons?x=1 | gateway.icons.path must be a plain absolute path | -",
			"gateway.icons.path=https://evil.example/x | gateway.icons.path must be a plain absolute path | -",
			"gateway.icons.path=portal/icons | gateway.icons.path must be a plain absolute path | -",
			"gateway.auth.jwt.issuer=https://k8s.example & gateway.auth.jwt.jwks-uri=http://k8s.example/jwks | gateway.auth.jwt.jwks-uri must be https (plain http only to localhost | -",
			"gateway.workos.response-timeout=0s | gateway.workos.response-timeout must be positive | -",
			"gateway.workos.connect-timeout=-1s | gateway.workos.connect-timeout must be positive | -",
			"gateway.callers[0].token-sha256=abc123 | gateway.callers[0].token-sha256 must be the 64 hex characters | abc123",
			"gateway.callers[0].intents=sso,saml | gateway.callers[0].intents has an unknown value; allowed: sso, dsync, audit_logs | -",
			"gateway.callers[0].name=has space | gateway.callers[0].name must be 1-63 letters | -",
			"gateway.callers[0].return-url-hosts=https://app.example.com | gateway.callers[0].return-url-hosts[0] must be a host name | -",
			"gateway.callers[0].organizations=acme | gateway.callers[0].organizations[0] must be an organization id | -",
			"gateway.callers[0].organizations=org_1*2 | gateway.callers[0].organizations[0] must be an organization id | -",
			"gateway.callers[0].it-contact-emails=denied,example.com | gateway.callers[0].it-contact-emails is either denied or a list of domains | -",
			"gateway.callers[0].it-contact-emails=@example.com | gateway.callers[0].it-contact-emails[0] must be denied, *, a domain | -",
			"gateway.callers[0].weight=0 | gateway.callers[0].weight must be between 1 and 1000 | -",
			"gateway.callers[0].weight=1001 | gateway.callers[0].weight must be between 1 and 1000 | -",
			"gateway.callers[0].max-links=0 | gateway.callers[0].max-links must be at least 1 | -",
			"gateway.callers[1].name=billing | gateway.callers[1].name repeats an earlier caller's name | -",
			"gateway.callers[2].name=third & gateway.callers[2].intents=sso | gateway.callers[2] needs token-sha256 (a static token) or subject (a JWT) | -",
			"gateway.callers[0].subject=system:serviceaccount:billing:api | gateway.callers[0].subject needs JWT verification: set gateway.auth.jwt.issuer and jwks-uri | -",
			"gateway.auth.jwt.issuer=https://k8s.example & gateway.auth.jwt.jwks-uri=https://k8s.example/jwks & gateway.callers[0].subject=has space | gateway.callers[0].subject must be 1-255 printable ASCII characters | -",
			"gateway.auth.jwt.issuer=https://k8s.example & gateway.auth.jwt.jwks-uri=https://k8s.example/jwks & gateway.callers[0].subject=sa & gateway.callers[1].subject=sa | gateway.callers[1].subject repeats an earlier caller's subject | -",
			"gateway.auth.jwt.issuer=https://k8s.example | gateway.auth.jwt.jwks-uri is required when gateway.auth.jwt.issuer is set | -",
			"gateway.auth.jwt.jwks-uri=https://k8s.example/jwks | gateway.auth.jwt.issuer is required when gateway.auth.jwt.jwks-uri is set | -",
			"gateway.auth.jwt.issuer=https://k8s.example & gateway.auth.jwt.jwks-uri=file:///etc/jwks | gateway.auth.jwt.jwks-uri must be an absolute http(s) URL | -",
			"gateway.auth.jwt.issuer=https://k8s.example & gateway.auth.jwt.jwks-uri=https://k8s.example/jwks & gateway.auth.jwt.algorithms=RS256,HS256 | gateway.auth.jwt.algorithms has an unsupported value; allowed: ES256 | -",
			"gateway.auth.jwt.issuer=https://k8s.example & gateway.auth.jwt.jwks-uri=https://k8s.example/jwks & gateway.auth.jwt.clock-skew=10m | gateway.auth.jwt.clock-skew must be between 0s and 5m | -",
			"gateway.auth.jwt.issuer=https://k8s.example & gateway.auth.jwt.jwks-uri=https://k8s.example/jwks & gateway.auth.jwt.jwks-ca-certificates=/nonexistent/ca.crt | gateway.auth.jwt.jwks-ca-certificates is not a readable file | -",
			"gateway.auth.jwt.issuer=https://k8s.example & gateway.auth.jwt.jwks-uri=https://k8s.example/jwks & gateway.auth.jwt.jwks-ca-certificates=pom.xml | gateway.auth.jwt.jwks-ca-certificates holds no PEM certificate | -",
			"gateway.auth.jwt.issuer=https://k8s.example & gateway.auth.jwt.jwks-uri=https://k8s.example/jwks & gateway.auth.jwt.jwks-refresh-min-interval=1h | gateway.auth.jwt.jwks-refresh-min-interval must be between 0s and jwks-max-age | -",
			"gateway.auth.jwt.issuer=https://k8s.example & gateway.auth.jwt.jwks-uri=https://k8s.example/jwks & gateway.auth.jwt.cache-size=-1 | gateway.auth.jwt.cache-size must be between 0 and 1000000 | -",
			"gateway.auth.jwt.issuer=https://k8s.example & gateway.auth.jwt.jwks-uri=https://k8s.example/jwks & gateway.auth.jwt.jwks-max-stale=1m | gateway.auth.jwt.jwks-max-stale must be at least jwks-max-age | -",
			"gateway.auth.jwt.issuer=https://k8s.example & gateway.auth.jwt.jwks-uri=https://k8s.example/jwks & gateway.auth.jwt.max-token-lifetime=0s | gateway.auth.jwt.max-token-lifetime must be positive | -",
			"gateway.auth.failure-budget.failures=0 | gateway.auth.failure-budget.failures must be between 1 and 1000000 | -",
			"gateway.auth.failure-budget.per=100ms | gateway.auth.failure-budget.per must be between 1s and 1h | -",
			"gateway.auth.failure-budget.max-addresses=0 | gateway.auth.failure-budget.max-addresses must be between 1 and 1000000 | -",
			"gateway.server.read-timeout=0s | gateway.server.read-timeout must be positive | -",
			"gateway.server.request-timeout=1s | gateway.server.request-timeout must be at least read-timeout | -",
			"gateway.rate-limit.store=memcached | gateway.rate-limit.store has an unknown value; allowed: local, redis | -",
			"gateway.rate-limit.expected-replicas=0 | gateway.rate-limit.expected-replicas must be at least 1 | -",
			"gateway.rate-limit.store=redis & spring.data.redis.url=http://:s3cretPw77@redis:6379 | spring.data.redis.url must start with redis:// or rediss:// | s3cretPw77",
			"gateway.rate-limit.store=redis & spring.data.redis.url=redis://:s3cretPw77@redis:99999 | spring.data.redis.url is not a valid Redis URL | s3cretPw77",
			"gateway.rate-limit.store=redis & spring.data.redis.port=70000 | spring.data.redis.port must be between 1 and 65535 | -",
			"gateway.rate-limit.store=redis & spring.data.redis.sentinel.master=gw & spring.data.redis.sentinel.nodes=10.0.0.1:26379,s3cretHost | spring.data.redis.sentinel.nodes[1] must be host:port | s3cretHost",
			"gateway.rate-limit.store=redis & spring.data.redis.sentinel.nodes=10.0.0.1:26379 | spring.data.redis.sentinel.master is required | -",
			"gateway.rate-limit.store=redis & spring.data.redis.sentinel.master=gw | spring.data.redis.sentinel.nodes is required | -",
			"gateway.rate-limit.store=redis & spring.data.redis.sentinel.master=gw & spring.data.redis.sentinel.nodes=10.0.0.1:26379 & spring.data.redis.cluster.nodes=10.0.0.2:6379 | spring.data.redis.sentinel and spring.data.redis.cluster are both set | -",
			"gateway.rate-limit.store=redis & spring.data.redis.url=redis://cache:6379 & spring.data.redis.sentinel.master=gw & spring.data.redis.sentinel.nodes=10.0.0.1:26379 | spring.data.redis.url and spring.data.redis.sentinel are both set | -",
			"gateway.rate-limit.store=redis & spring.data.redis.cluster.nodes=10.0.0.2:6379,s3cretHost | spring.data.redis.cluster.nodes[1] must be host:port | s3cretHost",
			"gateway.rate-limit.store=redis & spring.data.redis.cluster.nodes=10.0.0.2:6379 & spring.data.redis.cluster.max-redirects=0 | spring.data.redis.cluster.max-redirects must be at least 1 | -",
			"gateway.rate-limit.store=redis & spring.data.redis.url=redis://cache:6379 & spring.data.redis.cluster.nodes=10.0.0.2:6379 | spring.data.redis.url and spring.data.redis.cluster are both set | -",
			"gateway.rate-limit.store=redis & spring.data.redis.host=127.0.0.1 & spring.data.redis.ssl.bundle=s3cretBundle | spring.data.redis.ssl.bundle names no bundle | s3cretBundle",
			"server.port=18555 & management.server.port=18555 | management.server.port must be a port of its own | -",
			"spring.webflux.base-path=/gateway | spring.webflux.base-path is not supported | -" })
	void failsFastWithOneLineNamingTheProperty(String override, String expectedLine, String secret,
			CapturedOutput output) {
		Map<String, String> properties = new LinkedHashMap<>();
		// Started as the gateway starts (a reactive web server, on free ports), so that
		// properties bound while the server is made (gateway.server.*) fail as they
		// would.
		properties.put("server.port", "0");
		properties.put("management.server.port", "0");
		properties.put("gateway.workos.api-key", "sk_test_valid0001");
		properties.put("gateway.callers[0].name", "billing");
		properties.put("gateway.callers[0].token-sha256", HASH);
		properties.put("gateway.callers[0].intents", "sso");
		properties.put("gateway.callers[1].name", "other");
		properties.put("gateway.callers[1].token-sha256", TestCallers.sha256("other-token"));
		properties.put("gateway.callers[1].intents", "dsync");
		for (String setting : override.split(" & ")) {
			properties.put(setting.substring(0, setting.indexOf('=')), setting.substring(setting.indexOf('=') + 1));
		}
		List<String> args = new ArrayList<>();
		properties.forEach((name, value) -> args.add("--" + name + "=" + value));
		long started = System.nanoTime();
		assertThatException().isThrownBy(
				() -> new SpringApplicationBuilder(PortalGatewayApplication.class).web(WebApplicationType.REACTIVE)
					.run(args.toArray(String[]::new)));
		// A ceiling, not a measurement: bad settings stop startup before anything is
		// connected to, so a wrong topology never waits for Redis.
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
		// One line in plain logs; one message line inside a JSON log event in structured
		// logs.
		String logged = ConsoleLines.flushed(output).getAll();
		Matcher line = Pattern.compile("Invalid configuration: [^\"\\\\\n]*").matcher(logged);
		assertThat(line.find()).as("an 'Invalid configuration' line in:%n%s", logged).isTrue();
		assertThat(line.group()).contains(expectedLine);
		if (!"-".equals(secret)) {
			assertThat(logged).doesNotContain(secret);
		}
	}

}
