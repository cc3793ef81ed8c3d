package dev.portalgateway.system;

import java.lang.management.ManagementFactory;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.ResolvableType;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.http.codec.json.JacksonJsonEncoder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application's {@link JsonMapper} gives Spring's JSON codecs their buffers back
 * ({@link JacksonConfiguration}), and is still Boot's, configured by its properties.
 * Allocation is counted by the JVM for this thread, not timed.
 */
class JacksonConfigurationTests {

	private final ApplicationContextRunner boot = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class));

	record LinkAnswer(String link, String expiresAt, String organization, String intent) {
	}

	@Test
	void springsEncoderWritesAValueWithoutFreshBuffers() {
		this.boot.withUserConfiguration(JacksonConfiguration.class)
			.run((context) -> assertThat(bytesPerValue(context.getBean(JsonMapper.class))).isLessThan(4_000));
	}

	@Test
	void withJacksonsDefaultPoolEachValueTookFreshBuffers() {
		// Why JacksonConfiguration exists: about 19 KB a value on Jackson 3.1 and Spring
		// Framework 7.0. When this fails, an upgrade fixed it and the configuration can
		// go.
		this.boot.run((context) -> assertThat(bytesPerValue(context.getBean(JsonMapper.class))).isGreaterThan(10_000));
	}

	@Test
	void isStillBootsMapperConfiguredByItsProperties() {
		this.boot.withUserConfiguration(JacksonConfiguration.class)
			.withPropertyValues("spring.jackson.serialization.indent-output=true")
			.run((context) -> assertThat(context.getBean(JsonMapper.class).writeValueAsString(Map.of("a", 1)))
				.contains("\n"));
	}

	private static long bytesPerValue(JsonMapper mapper) {
		JacksonJsonEncoder encoder = new JacksonJsonEncoder(mapper);
		LinkAnswer value = new LinkAnswer("https://setup.workos.com/?token=abcdefabcdefabcdef", "2026-11-30T12:00:00Z",
				"org_01H1234567890ABCDEFGHIJK", "sso");
		ResolvableType type = ResolvableType.forClass(LinkAnswer.class);
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
		int values = 2_000;
		for (int i = 0; i < 200; i++) {
			encoder.encodeValue(value, DefaultDataBufferFactory.sharedInstance, type, MediaType.APPLICATION_JSON,
					Map.of());
		}
		long before = threads.getCurrentThreadAllocatedBytes();
		for (int i = 0; i < values; i++) {
			encoder.encodeValue(value, DefaultDataBufferFactory.sharedInstance, type, MediaType.APPLICATION_JSON,
					Map.of());
		}
		return (threads.getCurrentThreadAllocatedBytes() - before) / values;
	}

}
