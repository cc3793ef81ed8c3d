package bench.scg;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.util.unit.DataSize;

/**
 * The icon route as a Spring Cloud Gateway user would write it: {@code GET
 * /v1/provider-icons} to WorkOS's {@code /portal/provider_icons}, answered from a local
 * response cache, behind the same check the gateway makes (the SHA-256 of the bearer
 * token against a configured hash, 401 otherwise).
 *
 * <pre>
 * java -jar scg-peer.jar --server.port=18085 --stub.uri=http://127.0.0.1:18080 --caller.token-sha256=&lt;hex&gt;
 * </pre>
 */
@SpringBootApplication
public class ScgPeer {

	public static void main(String[] args) {
		SpringApplication.run(ScgPeer.class, args);
	}

	@Bean
	RouteLocator icons(RouteLocatorBuilder routes, @Value("${stub.uri}") String stub) {
		return routes.routes()
			.route("icons", (route) -> route.path("/v1/provider-icons")
				.filters((filters) -> filters.setPath("/portal/provider_icons")
					.localResponseCache(Duration.ofMinutes(5), DataSize.ofMegabytes(1)))
				.uri(stub))
			.build();
	}

	@Bean
	@Order(Ordered.HIGHEST_PRECEDENCE)
	GlobalFilter bearerToken(@Value("${caller.token-sha256}") String tokenSha256) {
		byte[] expected = HexFormat.of().parseHex(tokenSha256);
		return (exchange, chain) -> {
			String authorization = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
			if (authorization == null || !authorization.startsWith("Bearer ")
					|| !MessageDigest.isEqual(expected, sha256(authorization.substring(7)))) {
				exchange.getResponse().setStatusCode(HttpStatus.UNAUTHORIZED);
				return exchange.getResponse().setComplete();
			}
			return chain.filter(exchange);
		};
	}

	private static byte[] sha256(String token) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
