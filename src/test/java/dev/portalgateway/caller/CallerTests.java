package dev.portalgateway.caller;

import java.util.List;
import java.util.Set;

import dev.portalgateway.portal.Intent;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class CallerTests {

	private final Caller caller = new Caller("billing", Set.of(Intent.SSO),
			List.of("app.example.com", "*.Tenant.Example.NET", "localhost"));

	@ParameterizedTest
	@CsvSource({ "app.example.com, true", "APP.example.com, true", "app.example.com., true", "other.example.com, false",
			"example.com, false", "evilapp.example.com, false", "a.tenant.example.net, true",
			"a.b.tenant.example.net, true", "tenant.example.net, false", "eviltenant.example.net, false",
			"tenant.example.net.evil.com, false", "localhost, true" })
	void matchesExactHostsAndSubdomainWildcards(String host, boolean allowed) {
		assertThat(this.caller.mayRedirectTo(host)).isEqualTo(allowed);
	}

	@ParameterizedTest
	@CsvSource({ "SSO, true", "DSYNC, false" })
	void allowsOnlyItsIntents(Intent intent, boolean allowed) {
		assertThat(this.caller.mayUse(intent)).isEqualTo(allowed);
	}

	@ParameterizedTest
	@CsvSource({ "org_01A, true", "org_01AXYZ, true", "org_2, true", "org_01B, false", "org_01a, false",
			"org_20, false", "org_, false" })
	void limitsOrganizationsToExactIdsAndPrefixes(String organization, boolean allowed) {
		Caller scoped = new Caller("scoped", Set.of(Intent.SSO), List.of(), List.of("org_01A*", "org_2"), List.of(), 1,
				0);
		assertThat(scoped.mayAccess(organization)).isEqualTo(allowed);
		assertThat(this.caller.mayAccess(organization)).as("no organizations listed: any").isTrue();
	}

	@ParameterizedTest
	@CsvSource({ "it@example.com, true", "it@EXAMPLE.com, true", "it@a.corp.example.org, true",
			"it@corp.example.org, false", "it@example.com.evil.net, false", "it@example.com@evil.net, false",
			"it@other.com, false" })
	void allowsItContactsFromListedDomainsOnly(String email, boolean allowed) {
		Caller contacts = new Caller("c", Set.of(Intent.SSO), List.of(), List.of(),
				List.of("example.com", "*.corp.example.org"), 1, 0);
		assertThat(contacts.mayNameContact(email)).isEqualTo(allowed);
		assertThat(this.caller.mayNameContact(email)).as("none listed: denied").isFalse();
		assertThat(
				new Caller("any", Set.of(Intent.SSO), List.of(), List.of(), List.of("*"), 1, 0).mayNameContact(email))
			.isTrue();
	}

}
