// What verifying a caller's JWT costs, per token, on one thread: the signature (RS256 with a
// 2048-bit key, ES256 with P-256, the two algorithms the gateway accepts by default) through
// Spring Security's NimbusReactiveJwtDecoder, as the gateway calls it, against a cache hit
// (SHA-256 of the token and a Caffeine lookup), which is what the gateway does for a token it
// has verified before (gateway.auth.jwt.cache-size). On demand, never part of the build:
//
//   ./mvnw -q dependency:build-classpath -Dmdep.outputFile=target/cp.txt
//   java -cp "$(cat target/cp.txt)" bench/JwtVerifyCost.java [seconds-per-case] [warm-up-seconds]
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.JWKSecurityContextJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import reactor.core.publisher.Flux;

public class JwtVerifyCost {

	interface Case {

		Object run() throws Exception;

	}

	public static void main(String[] args) throws Exception {
		int seconds = (args.length > 0) ? Integer.parseInt(args[0]) : 20;
		int warmUp = (args.length > 1) ? Integer.parseInt(args[1]) : 20;
		RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
		ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
		List<JWK> keys = List.of(rsa.toPublicJWK(), ec.toPublicJWK());
		NimbusReactiveJwtDecoder decoder = NimbusReactiveJwtDecoder
			.withJwkSource((SignedJWT jwt) -> Flux.fromIterable(keys))
			.jwtProcessorCustomizer((processor) -> processor.setJWSKeySelector(new JWSVerificationKeySelector<>(
					Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256), new JWKSecurityContextJWKSet())))
			.build();
		String rs256 = sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build(), rsa, null);
		String es256 = sign(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1").build(), null, ec);
		Cache<String, String> verified = Caffeine.newBuilder().maximumSize(10_000).build();
		verified.put(hex(rs256), "system:serviceaccount:billing:billing-api");
		System.out.printf("JWT verification on one thread, %d s per case after %d s of warm-up; %s, token %d bytes%n",
				seconds, warmUp, System.getProperty("java.version"), rs256.length());
		System.out.printf("%-34s %12s %14s%n", "case", "us/token", "tokens/s/core");
		measure("RS256 2048-bit, decode + verify", () -> decoder.decode(rs256).toFuture().join(), seconds, warmUp);
		measure("ES256 P-256, decode + verify", () -> decoder.decode(es256).toFuture().join(), seconds, warmUp);
		measure("cache hit (SHA-256 + lookup)", () -> verified.getIfPresent(hex(rs256)), seconds, warmUp);
	}

	static void measure(String name, Case work, int seconds, int warmUp) throws Exception {
		long end = System.nanoTime() + Duration.ofSeconds(warmUp).toNanos();
		while (System.nanoTime() < end) {
			work.run();
		}
		long count = 0;
		long start = System.nanoTime();
		end = start + Duration.ofSeconds(seconds).toNanos();
		while (System.nanoTime() < end) {
			for (int i = 0; i < 16; i++) {
				if (work.run() == null) {
					throw new IllegalStateException(name + " answered nothing");
				}
			}
			count += 16;
		}
		double micros = (System.nanoTime() - start) / 1000.0 / count;
		System.out.printf("%-34s %12.1f %14.0f%n", name, micros, 1_000_000 / micros);
	}

	static String sign(JWSHeader header, RSAKey rsa, ECKey ec) throws Exception {
		Instant now = Instant.now();
		JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("https://kubernetes.default.svc.cluster.local")
			.audience("portal-gateway")
			.subject("system:serviceaccount:billing:billing-api")
			.issueTime(Date.from(now))
			.notBeforeTime(Date.from(now))
			.expirationTime(Date.from(now.plus(Duration.ofHours(1))))
			.claim("kubernetes.io", java.util.Map.of("namespace", "billing", "serviceaccount",
					java.util.Map.of("name", "billing-api", "uid", "2f1c6a7e-5d3b-4c1a-9e8f-0a1b2c3d4e5f"), "pod",
					java.util.Map.of("name", "billing-api-7d9f8b6c5-x2x7q", "uid",
							"8a7b6c5d-4e3f-2a1b-0c9d-8e7f6a5b4c3d")))
			.build();
		SignedJWT jwt = new SignedJWT(header, claims);
		jwt.sign((rsa != null) ? new RSASSASigner(rsa) : new ECDSASigner(ec));
		return jwt.serialize();
	}

	static String hex(String token) throws Exception {
		return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes()));
	}

}
