package dev.portalgateway.caller;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import dev.portalgateway.workos.Intent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CallerAuthenticatorTests {

	static String sha256(String token) throws Exception {
		return HexFormat.of()
			.formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
	}

	@Test
	void findsTheCallerWhoseHashMatches() throws Exception {
		CallerAuthenticator authenticator = new CallerAuthenticator(new CallerProperties(List.of(
				new CallerProperties.Policy("billing", sha256("billing-token"), Set.of(Intent.SSO), List.of()),
				new CallerProperties.Policy("hr", sha256("hr-token").toUpperCase(), Set.of(Intent.DSYNC), List.of()))));
		assertThat(authenticator.authenticate("billing-token")).map(Caller::name).contains("billing");
		assertThat(authenticator.authenticate("hr-token")).map(Caller::name).contains("hr");
		assertThat(authenticator.authenticate("billing-token ")).isEmpty();
		assertThat(authenticator.authenticate(sha256("billing-token"))).isEmpty();
	}

	@Test
	void rejectsEveryoneWhenNoCallersAreConfigured() {
		CallerAuthenticator authenticator = new CallerAuthenticator(new CallerProperties(List.of()));
		assertThat(authenticator.authenticate("anything")).isEmpty();
	}

}
