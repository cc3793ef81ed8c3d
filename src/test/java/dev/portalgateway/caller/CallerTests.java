package dev.portalgateway.caller;

import java.util.List;
import java.util.Set;

import dev.portalgateway.workos.Intent;
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

}
