package dev.portalgateway.system;

import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;

/**
 * {@link MalformedRequests}' answers on the management port too: its server is built by
 * the management context, with that context's own customizers only (the application's
 * {@code NettyServerCustomizer}s are not among them).
 * <p>
 * Listed in
 * {@code META-INF/spring/org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration.imports},
 * and on purpose neither a {@code @Configuration} nor nested in a component: either would
 * put it in the application's context too (component scanning, or Spring's processing of
 * a component's member classes), and the callers' port would get the handler twice. Boot
 * imports a listed class without {@code @ManagementContextConfiguration} into the
 * management context; the application's context would get it only with actuator on the
 * callers' port, which {@link CallersPort} refuses.
 */
class MalformedRequestsOnTheManagementPort {

	/**
	 * The management context makes its server factory itself (of the application's
	 * factory's class) and customizes it with its own
	 * {@code WebServerFactoryCustomizer}s; a {@code NettyServerCustomizer} bean there
	 * would not be asked. The application's {@link MalformedRequests} is handed over as
	 * it is (it keeps no state per server): one mapper, and one log summary per client
	 * address for both ports.
	 */
	@Bean
	WebServerFactoryCustomizer<NettyReactiveWebServerFactory> managementPortMalformedRequests(
			MalformedRequests answers) {
		return (factory) -> factory.addServerCustomizers(answers);
	}

}
