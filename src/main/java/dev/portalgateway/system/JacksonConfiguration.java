package dev.portalgateway.system;

import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;

/**
 * Boot's {@link JsonMapper} (and so every JSON codec of the server and the WebClient), on
 * a JSON factory that recycles its buffers per thread.
 * <p>
 * Jackson 3's default pool did not give Spring's codecs their buffers back: each value
 * that {@code JacksonJsonEncoder} wrote allocated about 19 KB of fresh buffers (600 bytes
 * with these), and a link request wrote two and read two. At a few thousand links a
 * second that was about a third of all allocation, a young collection every 60 ms and the
 * reason the heap grew to its maximum (bench/RESULTS.md). A per-thread pool suits a
 * server whose work runs on a few long-lived event-loop threads; it was Jackson 2's
 * default.
 * <p>
 * Boot's own builder bean is replaced, not wrapped: this one is built the same way (every
 * {@link JsonMapperBuilderCustomizer} applied in order, so {@code spring.jackson.*} still
 * applies), on another factory, which a customizer cannot change.
 */
@Configuration(proxyBeanMethods = false)
class JacksonConfiguration {

	@Bean
	@Scope("prototype")
	JsonMapper.Builder jsonMapperBuilder(ObjectProvider<JsonMapperBuilderCustomizer> customizers) {
		JsonFactory factory = JsonFactory.builder().recyclerPool(JsonRecyclerPools.threadLocalPool()).build();
		JsonMapper.Builder builder = JsonMapper.builder(factory);
		customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
		return builder;
	}

}
