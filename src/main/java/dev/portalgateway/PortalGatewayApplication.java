package dev.portalgateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.actuate.web.reactive.ReactiveManagementWebSecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.reactive.ReactiveOAuth2ResourceServerAutoConfiguration;

/**
 * The portal-gateway application.
 * <p>
 * Spring Security is here for its JWT decoder and validators only (callers' JWTs,
 * {@code caller.JwtVerifier}). Its auto-configured WebFlux filter chain is excluded: it
 * would demand a login on every path including the management port's probes, run for
 * every request, and add its default headers ({@code Cache-Control: no-store} on cached
 * icons among them). Callers are authenticated by the routes' own filter
 * ({@code caller.CallerAuthentication});
 * {@code JwtCallerIntegrationTests.springSecuritysWebFilterChainIsNotInstalled} proves no
 * chain is left. Excluded here rather than with {@code spring.autoconfigure.exclude},
 * which an operator's own value of the property would replace.
 * <p>
 * Actuator stays off the callers' port: {@code system.CallersPort} serves only the routes
 * there and refuses a {@code management.server.port} that is not a port of its own.
 */
@SpringBootApplication(exclude = { SecurityAutoConfiguration.class, ReactiveWebSecurityAutoConfiguration.class,
		ReactiveUserDetailsServiceAutoConfiguration.class, ReactiveManagementWebSecurityAutoConfiguration.class,
		ReactiveOAuth2ResourceServerAutoConfiguration.class })
@ConfigurationPropertiesScan
public class PortalGatewayApplication {

	public static void main(String[] args) {
		SpringApplication.run(PortalGatewayApplication.class, args);
	}

}
