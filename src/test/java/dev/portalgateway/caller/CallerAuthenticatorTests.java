package dev.portalgateway.caller;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import dev.portalgateway.system.Sha256;
import dev.portalgateway.portal.Intent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CallerAuthenticatorTests {

	@Test
	void findsTheCallerWhoseHashMatches() {
		CallerAuthenticator authenticator = new CallerAuthenticator(properties(
				new CallerProperties.Policy("billing", Sha256.hex("billing-token"), null, Set.of(Intent.SSO), List.of(),
						List.of(), List.of("denied"), 1, null),
				new CallerProperties.Policy("hr", Sha256.hex("hr-token").toUpperCase(), null, Set.of(Intent.DSYNC),
						List.of(), List.of(), List.of("denied"), 1, null)));
		assertThat(authenticator.authenticate("billing-token")).map(Caller::name).contains("billing");
		assertThat(authenticator.authenticate("hr-token")).map(Caller::name).contains("hr");
		assertThat(authenticator.authenticate("billing-token ")).isEmpty();
		assertThat(authenticator.authenticate(Sha256.hex("billing-token"))).isEmpty();
	}

	@Test
	void findsTheCallerWhosePolicyNamesTheSubject() {
		CallerAuthenticator authenticator = new CallerAuthenticator(new CallerProperties(
				List.of(new CallerProperties.Policy("billing", null, "system:serviceaccount:billing:billing-api",
						Set.of(Intent.SSO), List.of(), List.of(), List.of("denied"), 1, null),
						new CallerProperties.Policy("hr", Sha256.hex("hr-token"), "system:serviceaccount:hr:hr-api",
								Set.of(Intent.DSYNC), List.of(), List.of(), List.of("denied"), 1, null)),
				new CallerProperties.Auth(jwt("https://issuer.example"), FAILURE_BUDGET)));
		assertThat(authenticator.bySubject("system:serviceaccount:billing:billing-api")).map(Caller::name)
			.contains("billing");
		assertThat(authenticator.bySubject("system:serviceaccount:hr:hr-api")).map(Caller::name).contains("hr");
		assertThat(authenticator.authenticate("hr-token")).map(Caller::name).contains("hr");
		assertThat(authenticator.bySubject("system:serviceaccount:billing:other")).isEmpty();
		assertThat(authenticator.bySubject("System:serviceaccount:billing:billing-api")).isEmpty();
	}

	@Test
	void rejectsEveryoneWhenNoCallersAreConfigured() {
		CallerAuthenticator authenticator = new CallerAuthenticator(properties());
		assertThat(authenticator.authenticate("anything")).isEmpty();
		assertThat(authenticator.bySubject("anything")).isEmpty();
	}

	/** The failure budget's defaults. */
	static final CallerProperties.FailureBudget FAILURE_BUDGET = new CallerProperties.FailureBudget(20,
			Duration.ofSeconds(10), 10_000, Duration.ofMinutes(1));

	static CallerProperties properties(CallerProperties.Policy... policies) {
		return new CallerProperties(List.of(policies), new CallerProperties.Auth(jwt(null), FAILURE_BUDGET));
	}

	/** JWT settings with the defaults, on when an issuer is given. */
	static JwtProperties jwt(String issuer) {
		return new JwtProperties(issuer, (issuer != null) ? java.net.URI.create("https://issuer.example/jwks") : null,
				"portal-gateway", Duration.ofSeconds(30), List.of("RS256", "ES256"), Duration.ofSeconds(10),
				Duration.ofMinutes(5), Duration.ofSeconds(5), null, null, 10_000, Duration.ofHours(1),
				Duration.ofHours(24), false);
	}

}
