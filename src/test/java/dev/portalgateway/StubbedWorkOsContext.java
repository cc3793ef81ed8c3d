package dev.portalgateway;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestContextAnnotationUtils;
import org.springframework.test.context.TestExecutionListener;

/**
 * What {@link StubbedWorkOs} does, registered in {@code META-INF/spring.factories} (test
 * resources): a context customizer that starts the WireMock server and sets the
 * properties before the context refreshes, and a listener that resets the server before
 * each test.
 */
public final class StubbedWorkOsContext {

	/** The bean name of the context's WireMock server. */
	static final String BEAN = "stubbedWorkOs";

	private StubbedWorkOsContext() {
	}

	/** Makes a {@link Customizer} for each test class annotated {@link StubbedWorkOs}. */
	public static final class Factory implements ContextCustomizerFactory {

		@Override
		public @Nullable ContextCustomizer createContextCustomizer(Class<?> testClass,
				List<ContextConfigurationAttributes> configAttributes) {
			StubbedWorkOs stubbed = TestContextAnnotationUtils.findMergedAnnotation(testClass, StubbedWorkOs.class);
			return (stubbed != null) ? new Customizer(testClass, stubbed.callers()) : null;
		}

	}

	/**
	 * Starts WireMock, registers it as a bean and puts its URL (and the test callers)
	 * first among the context's property sources, as {@code @DynamicPropertySource}
	 * would. Equal per test class, so each class keeps a context of its own.
	 *
	 * @param testClass the test class
	 * @param callers whether to configure {@link TestCallers}
	 */
	record Customizer(Class<?> testClass, boolean callers) implements ContextCustomizer {

		@Override
		public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
			WireMockServer server = new WireMockServer(WireMockConfiguration.wireMockConfig().dynamicPort());
			server.start();
			context.getBeanFactory().registerSingleton(BEAN, server);
			context.addApplicationListener((ApplicationListener<ContextClosedEvent>) (closed) -> server.stop());
			Map<String, Object> properties = new LinkedHashMap<>();
			properties.put("gateway.workos.base-url", server.baseUrl());
			if (this.callers) {
				properties.putAll(TestCallers.properties());
			}
			context.getEnvironment().getPropertySources().addFirst(new MapPropertySource(BEAN, properties));
		}

	}

	/**
	 * Resets the context's WireMock server (stubs, scenarios, requests) before each test.
	 */
	public static final class ResetListener implements TestExecutionListener {

		@Override
		public void beforeTestMethod(TestContext testContext) {
			if (TestContextAnnotationUtils.findMergedAnnotation(testContext.getTestClass(),
					StubbedWorkOs.class) != null) {
				testContext.getApplicationContext().getBean(BEAN, WireMockServer.class).resetAll();
			}
		}

	}

}
