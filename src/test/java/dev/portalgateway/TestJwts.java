package dev.portalgateway;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;

import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Signing keys and tokens shaped like Kubernetes projected service-account tokens, for
 * tests of JWT callers. Keys are made once per JVM (RSA generation is slow).
 */
public final class TestJwts {

	public static final String ISSUER = "https://kubernetes.default.svc.cluster.local";

	public static final String AUDIENCE = "portal-gateway";

	/** The subject the JWT caller's policy names (caller {@code billing-jwt}). */
	public static final String BILLING_SUBJECT = "system:serviceaccount:billing:billing-api";

	public static final RSAKey RSA = rsa("rsa-1");

	public static final ECKey EC = ec("ec-1");

	/** A key the issuer publishes only once "rotated in". */
	public static final RSAKey ROTATED = rsa("rsa-2");

	/** A key the issuer never publishes. */
	public static final RSAKey FORGER = rsa("rsa-1");

	/** An EC key the issuer never publishes, with the {@code kid} of one it does. */
	public static final ECKey EC_FORGER = ec("ec-1");

	private TestJwts() {
	}

	/**
	 * Turns JWT callers on with this JWKS URI, and adds caller {@code billing-jwt}
	 * ({@link #BILLING_SUBJECT}, sso) as {@code gateway.callers[2]}, after
	 * {@link TestCallers#register}'s two.
	 */
	public static void register(DynamicPropertyRegistry registry, Supplier<Object> jwksUri) {
		registry.add("gateway.auth.jwt.issuer", () -> ISSUER);
		registry.add("gateway.auth.jwt.jwks-uri", jwksUri);
		registry.add("gateway.callers[2].name", () -> "billing-jwt");
		registry.add("gateway.callers[2].subject", () -> BILLING_SUBJECT);
		registry.add("gateway.callers[2].intents", () -> "sso");
	}

	/** The issuer's JWKS (public keys only) with these keys. */
	public static String jwks(JWK... keys) {
		return new JWKSet(List.of(keys)).toPublicJWKSet().toString();
	}

	/** The issuer's usual JWKS: the RSA and the EC key. */
	public static String jwks() {
		return jwks(RSA, EC);
	}

	/**
	 * A token for {@link #BILLING_SUBJECT}, valid for ten minutes from now, signed with
	 * this key, with the claims changed as {@code claims} says.
	 */
	public static String sign(JWK key, Consumer<JWTClaimsSet.Builder> claims) {
		JWSAlgorithm algorithm = (key instanceof ECKey) ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256;
		try {
			JWSSigner signer = (key instanceof ECKey ecKey) ? new ECDSASigner(ecKey) : new RSASSASigner((RSAKey) key);
			return sign(new JWSHeader.Builder(algorithm).keyID(key.getKeyID()).build(), claims, signer);
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A token like {@link #sign(JWK)}'s, whose header names no key ({@code kid}). */
	public static String signWithoutKid(JWK key) {
		JWSAlgorithm algorithm = (key instanceof ECKey) ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256;
		try {
			JWSSigner signer = (key instanceof ECKey ecKey) ? new ECDSASigner(ecKey) : new RSASSASigner((RSAKey) key);
			return sign(new JWSHeader.Builder(algorithm).build(), (claims) -> {
			}, signer);
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	public static String sign(JWK key) {
		return sign(key, (claims) -> {
		});
	}

	/**
	 * Algorithm confusion: HS256 with the RSA key's public bytes as the HMAC secret, and
	 * that key's {@code kid}.
	 */
	public static String hmacWithPublicKey(RSAKey key) {
		try {
			byte[] secret = key.toRSAPublicKey().getEncoded();
			return sign(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(key.getKeyID()).build(), (claims) -> {
			}, new MACSigner(secret));
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** An unsigned token ({@code alg: none}) with the usual claims. */
	public static String unsigned() {
		return new PlainJWT(claims((builder) -> {
		})).serialize();
	}

	private static String sign(JWSHeader header, Consumer<JWTClaimsSet.Builder> claims, JWSSigner signer) {
		SignedJWT jwt = new SignedJWT(header, claims(claims));
		try {
			jwt.sign(signer);
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
		return jwt.serialize();
	}

	private static JWTClaimsSet claims(Consumer<JWTClaimsSet.Builder> changes) {
		Instant now = Instant.now();
		JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder().issuer(ISSUER)
			.audience(AUDIENCE)
			.subject(BILLING_SUBJECT)
			.issueTime(Date.from(now))
			.notBeforeTime(Date.from(now))
			.expirationTime(Date.from(now.plus(Duration.ofMinutes(10))));
		changes.accept(builder);
		return builder.build();
	}

	/** {@code Date} for a time this far from now, for claims. */
	public static Date fromNow(Duration offset) {
		return Date.from(Instant.now().plus(offset));
	}

	private static RSAKey rsa(String kid) {
		try {
			return new RSAKeyGenerator(2048).keyID(kid).generate();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static ECKey ec(String kid) {
		try {
			return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
