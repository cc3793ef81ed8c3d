package dev.portalgateway.caller;

import java.util.regex.Pattern;

import dev.portalgateway.Seeded;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hand-written shape checks answer as the regular expressions they replaced, on
 * generated tokens near both shapes and on the edges by name.
 */
class TokenShapesTests {

	/** What {@code CallerAuthentication} matched static tokens with before. */
	private static final Pattern STATIC_TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]{1,512}=*");

	/** What it matched JWTs with before, under a length bound of 8,192. */
	private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*");

	/** Both alphabets, '=', and characters just outside them. */
	private static final String NEAR = Seeded.alphabet('A', 'Z', 'a', 'z', '0', '9') + "-._~+/="
			+ "=.. !\"#,:;@[]^`{}|\u00e9\u0100";

	@Test
	void answersAsTheRegularExpressionsOnGeneratedTokens() {
		Seeded.check("token-shapes", 20_000, (seeded) -> {
			String token = switch (seeded.between(0, 3)) {
				case 0 -> seeded.string(0, 600, NEAR);
				case 1 -> "eyJ" + seeded.string(0, 40, NEAR);
				case 2 -> seeded.string(505, 520, "abc") + seeded.string(0, 3, "=");
				default -> seeded.anyString(30);
			};
			assertThat(TokenShapes.isStaticToken(token)).as("static token %s", token)
				.isEqualTo(STATIC_TOKEN.matcher(token).matches());
			assertThat(TokenShapes.isJwt(token)).as("JWT %s", token)
				.isEqualTo(token.length() <= 8192 && JWT.matcher(token).matches());
		});
	}

	@ParameterizedTest
	@CsvSource({ "eyJ.., true", "eyJa.b.c, true", "eyJa.b.c., false", "eyJa.b, false", "eyJa.b=.c, false",
			"eyj.a.b, false", "ey.J.a, false" })
	void recognisesCompactJwts(String token, boolean jwt) {
		assertThat(TokenShapes.isJwt(token)).isEqualTo(jwt);
	}

	@Test
	void boundsBothLengths() {
		assertThat(TokenShapes.isStaticToken("a".repeat(512) + "==")).isTrue();
		assertThat(TokenShapes.isStaticToken("a".repeat(513))).isFalse();
		assertThat(TokenShapes.isStaticToken("==")).isFalse();
		assertThat(TokenShapes.isStaticToken("")).isFalse();
		String jwt = "eyJ" + "a".repeat(4000) + "." + "b".repeat(4000) + ".";
		assertThat(TokenShapes.isJwt(jwt + "c".repeat(8192 - jwt.length()))).isTrue();
		assertThat(TokenShapes.isJwt(jwt + "c".repeat(8193 - jwt.length()))).isFalse();
	}

}
