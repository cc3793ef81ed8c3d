package dev.portalgateway.system;

import java.time.Clock;

import com.github.benmanes.caffeine.cache.Ticker;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The one {@link Clock} (wall time) and {@link Ticker} (nano time) everything
 * time-dependent uses, so tests can replace them.
 */
@Configuration(proxyBeanMethods = false)
class ClockConfiguration {

	@Bean
	@ConditionalOnMissingBean
	Clock clock() {
		return Clock.systemUTC();
	}

	/** Monotonic nano time for deadlines, quotas, cool-downs and caches. */
	@Bean
	@ConditionalOnMissingBean
	Ticker ticker() {
		return Ticker.systemTicker();
	}

}
