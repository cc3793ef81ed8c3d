package dev.portalgateway;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import dev.portalgateway.system.Sha256;

import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Runs the gateway on a developer machine: {@code ./mvnw spring-boot:test-run}.
 * <p>
 * Without {@code WORKOS_API_KEY} in the environment it starts the {@link WorkOsEmulator}
 * and points the gateway at it; with a key it talks to real WorkOS. Either way it
 * configures one caller, {@code demo}, allowed every intent and return URLs on localhost
 * and example.com, and prints its token and a ready-to-paste {@code curl}. Set
 * {@code DEMO_CALLER_TOKEN} to keep the same token across restarts.
 */
public final class LocalPortalGateway {

	private LocalPortalGateway() {
	}

	public static void main(String[] args) {
		start(args, System.getenv());
	}

	static ConfigurableApplicationContext start(String[] args, Map<String, String> environment,
			Class<?>... extraSources) {
		List<String> arguments = new ArrayList<>(List.of(args));
		SpringApplication application = new SpringApplication(PortalGatewayApplication.class);
		application.addPrimarySources(List.of(extraSources));
		String realKey = environment.get("WORKOS_API_KEY");
		boolean emulated = realKey == null || realKey.isBlank();
		if (emulated) {
			WorkOsEmulator emulator = WorkOsEmulator.start(Integer.getInteger("emulator.port", 0));
			application.addListeners((event) -> {
				if (event instanceof ContextClosedEvent) {
					emulator.close();
				}
			});
			arguments.add("--gateway.workos.base-url=" + emulator.baseUrl());
			arguments.add("--gateway.workos.api-key=" + WorkOsEmulator.API_KEY);
		}
		String token = environment.get("DEMO_CALLER_TOKEN");
		if (token == null || token.isBlank()) {
			byte[] random = new byte[24];
			new SecureRandom().nextBytes(random);
			token = "demo_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
		}
		String hash = Sha256.hex(token);
		arguments.add("--gateway.callers[0].name=demo");
		arguments.add("--gateway.callers[0].token-sha256=" + hash);
		arguments.add("--gateway.callers[0].intents=sso,dsync,audit_logs,log_streams,domain_verification,"
				+ "certificate_renewal,bring_your_own_key");
		arguments.add("--gateway.callers[0].return-url-hosts=localhost,example.com,*.example.com");
		ConfigurableApplicationContext context = application.run(arguments.toArray(String[]::new));
		String port = context.getEnvironment().getProperty("local.server.port", "8080");
		// Printed, not logged: this is a developer's terminal and the token is a
		// throwaway.
		System.out.printf(
				"""

						portal-gateway is running on http://localhost:%1$s against %2$s.
						Demo caller token: %3$s

						curl -i -X POST http://localhost:%1$s/v1/portal-links \\
						  -H 'Authorization: Bearer %3$s' \\
						  -H 'Content-Type: application/json' \\
						  -d '{"organization":"org_01H1234567890ABCDEFGHIJK","intent":"sso","return_url":"https://app.example.com/settings"}'

						""",
				port, emulated ? "the built-in WorkOS emulator" : "WorkOS (WORKOS_API_KEY is set)", token);
		return context;
	}

}
