package dev.portalgateway.ratelimit;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.portalgateway.system.InvalidConfigurationException;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The quotas, the key's cool-down and, with {@code gateway.rate-limit.store=redis}, the
 * Redis store they share with the other replicas, and its health.
 */
@Configuration(proxyBeanMethods = false)
class RateLimitConfiguration {

	/**
	 * The Redis store, only with {@code gateway.rate-limit.store=redis}: else no bean (a
	 * null bean, which injection points and providers see as none). Decided here when the
	 * context starts, not by a condition on the bean: the image starts the AOT-processed
	 * context, where Spring AOT fixed every condition at build time.
	 */
	@Bean(initMethod = "startHeartbeats", destroyMethod = "stopHeartbeats")
	@Nullable SharedQuotaStore sharedQuotaStore(RedisProperties redis, RateLimitProperties rateLimits, QuotaOwner owner,
			MeterRegistry meters, ObjectProvider<SslBundles> bundles) {
		if (rateLimits.store() != RateLimitProperties.Store.REDIS) {
			return null;
		}
		String bundle = redis.ssl().bundle();
		SslBundle tls = null;
		if (bundle != null) {
			try {
				tls = bundles.getObject().getBundle(bundle);
			}
			catch (NoSuchSslBundleException ex) {
				throw new InvalidConfigurationException(
						"spring.data.redis.ssl.bundle names no bundle under spring.ssl.bundle.*");
			}
		}
		return new SharedQuotaStore(redis, tls, owner.keyFingerprint(), rateLimits.expectedReplicas(),
				rateLimits.redisTimeout(), meters);
	}

	/** Its health, with the Redis store only (see above). */
	@Bean
	@Nullable RateLimitStoreHealth rateLimitStoreHealthIndicator(ObjectProvider<SharedQuotaStore> store) {
		SharedQuotaStore shared = store.getIfAvailable();
		return (shared != null) ? new RateLimitStoreHealth(shared) : null;
	}

	@Bean
	UpstreamQuotas upstreamQuotas(RateLimitProperties rateLimits, QuotaOwner owner, Ticker ticker, MeterRegistry meters,
			ObjectProvider<SharedQuotaStore> shared) {
		return new UpstreamQuotas(rateLimits, owner.keyFingerprint(), ticker, meters, shared.getIfAvailable());
	}

	@Bean
	KeyCooldown keyCooldown(Ticker ticker, MeterRegistry meters, ObjectProvider<SharedQuotaStore> shared) {
		return new KeyCooldown(ticker, meters, shared.getIfAvailable());
	}

}
