package dev.portalgateway;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A {@code @SpringBootTest} of the gateway against WireMock playing WorkOS: the context
 * gets a WireMock server of its own on a free port ({@code @Autowired WireMockServer}),
 * {@code gateway.workos.base-url} pointing at it and, unless {@code callers = false}, the
 * test callers and API key of {@link TestCallers}. The server is reset before each test
 * and stopped with its context.
 * <p>
 * It replaces a static WireMock field, a {@code @DynamicPropertySource} and the property
 * lines in each test class ({@link StubbedWorkOsContext} does the work, as a Spring
 * {@code ContextCustomizer}, so Spring's context cache knows it). Each test class keeps a
 * context of its own, as with the static fields: classes sharing one would share its
 * quotas, cool-down and icon cache.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
public @interface StubbedWorkOs {

	/**
	 * Whether the test callers and API key ({@link TestCallers}) are configured too. A
	 * class that adds callers of its own sets this false and registers
	 * {@link TestCallers} with them in its {@code @DynamicPropertySource}: Boot binds a
	 * list ({@code gateway.callers}) from one property source only.
	 */
	boolean callers() default true;

}
