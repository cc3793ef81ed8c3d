package dev.portalgateway.caller;

import java.util.List;
import java.util.Set;

import dev.portalgateway.system.Sha256;
import dev.portalgateway.workos.Intent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CallerAuthenticatorTests {

	@Test
	void findsTheCallerWhoseHashMatches() {
		CallerAuthenticator authenticator = new CallerAuthenticator(new CallerProperties(List.of(
				new CallerProperties.Policy("billing", Sha256.hex("billing-token"), Set.of(Intent.SSO), List.of()),
				new CallerProperties.Policy("hr", Sha256.hex("hr-token").toUpperCase(), Set.of(Intent.DSYNC),
						List.of()))));
		assertThat(authenticator.authenticate("billing-token")).map(Caller::name).contains("billing");
		assertThat(authenticator.authenticate("hr-token")).map(Caller::name).contains("hr");
		assertThat(authenticator.authenticate("billing-token ")).isEmpty();
		assertThat(authenticator.authenticate(Sha256.hex("billing-token"))).isEmpty();
	}

	@Test
	void rejectsEveryoneWhenNoCallersAreConfigured() {
		CallerAuthenticator authenticator = new CallerAuthenticator(new CallerProperties(List.of()));
		assertThat(authenticator.authenticate("anything")).isEmpty();
	}

}
