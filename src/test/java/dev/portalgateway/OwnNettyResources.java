package dev.portalgateway;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * For tests that start and close a gateway while other gateways and test clients live on
 * in the same JVM. Boot's default {@link ReactorResourceFactory} uses Reactor Netty's
 * <em>global</em> event loops and connection pool and disposes them when its context
 * closes, pulling them from under everyone else. This one gives the context loops and a
 * pool of its own, so closing it touches nothing else.
 */
@TestConfiguration(proxyBeanMethods = false)
public class OwnNettyResources {

	@Bean
	ReactorResourceFactory reactorResourceFactory() {
		ReactorResourceFactory factory = new ReactorResourceFactory();
		factory.setUseGlobalResources(false);
		return factory;
	}

}
