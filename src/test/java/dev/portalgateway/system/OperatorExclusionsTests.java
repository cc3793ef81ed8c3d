package dev.portalgateway.system;

import dev.portalgateway.TestCallers;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.info.ProjectInfoAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.WebFilterChainProxy;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An operator's own {@code spring.autoconfigure.exclude} adds to the gateway's exclusions
 * instead of replacing them: with Spring Security's web auto-configuration back, its
 * filter chain would demand a login on every path.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = { "management.server.port=0",
		"gateway.workos.base-url=http://127.0.0.1:9",
		"spring.autoconfigure.exclude=org.springframework.boot.autoconfigure.info.ProjectInfoAutoConfiguration" })
class OperatorExclusionsTests {

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestCallers.register(registry);
	}

	@Test
	void theGatewaysExclusionsStayWithAnOperatorsOwn(@Autowired ApplicationContext context) {
		assertThat(context.getBeanNamesForType(ProjectInfoAutoConfiguration.class)).isEmpty();
		assertThat(context.getBeanNamesForType(SecurityWebFilterChain.class)).isEmpty();
		assertThat(context.getBeanNamesForType(WebFilterChainProxy.class)).isEmpty();
	}

}
