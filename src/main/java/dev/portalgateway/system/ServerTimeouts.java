package dev.portalgateway.system;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * How long the server waits for a client, so that slow or silent connections are not held
 * for ever: {@code server.netty.idle-timeout} (60 s, in {@code application.yaml}) closes
 * a connection on which no request arrives, and these two bound the reading of a request
 * body ({@code gateway.server}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ServerTimeouts.Properties.class)
class ServerTimeouts {

	@Bean
	NettyServerCustomizer requestBodyTimeouts(Properties properties) {
		return (server) -> server.readTimeout(properties.readTimeout()).requestTimeout(properties.requestTimeout());
	}

	/**
	 * Request body timeouts.
	 *
	 * @param readTimeout the longest pause between two reads of a request body
	 * @param requestTimeout the longest a whole request body may take to arrive
	 */
	@ConfigurationProperties("gateway.server")
	record Properties(@DefaultValue("10s") Duration readTimeout, @DefaultValue("30s") Duration requestTimeout) {

		Properties {
			if (readTimeout.isNegative() || readTimeout.isZero()) {
				throw new IllegalArgumentException("gateway.server.read-timeout must be positive");
			}
			if (requestTimeout.compareTo(readTimeout) < 0) {
				throw new IllegalArgumentException("gateway.server.request-timeout must be at least read-timeout");
			}
		}

	}

}
