package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.List;

import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RedisPropertiesTests {

	@Test
	void defaultsToLocalhost() {
		RedisURI uri = new RedisProperties(null, null, null, null, null, null, null, null).toUri();
		assertThat(uri.getHost()).isEqualTo("localhost");
		assertThat(uri.getPort()).isEqualTo(6379);
		assertThat(uri.isSsl()).isFalse();
		StepVerifier.create(uri.getCredentialsProvider().resolveCredentials())
			.assertNext((credentials) -> assertThat(credentials.hasPassword()).isFalse())
			.verifyComplete();
	}

	@Test
	void buildsTheAddressFromItsParts() {
		RedisURI uri = new RedisProperties(null, "redis.platform", 6380, "gateway", "s3cret", 2,
				new RedisProperties.Ssl(true, null), Duration.ofSeconds(2))
			.toUri();
		assertThat(uri.getHost()).isEqualTo("redis.platform");
		assertThat(uri.getPort()).isEqualTo(6380);
		assertThat(uri.getDatabase()).isEqualTo(2);
		assertThat(uri.isSsl()).isTrue();
		StepVerifier.create(uri.getCredentialsProvider().resolveCredentials()).assertNext((credentials) -> {
			assertThat(credentials.getUsername()).isEqualTo("gateway");
			assertThat(new String(credentials.getPassword())).isEqualTo("s3cret");
		}).verifyComplete();
	}

	@Test
	void aUrlWinsAndNeverShowsInToString() {
		RedisProperties properties = new RedisProperties("rediss://:s3cret@cache.example:6390/1", "ignored", 1, null,
				null, null, null, null);
		RedisURI uri = properties.toUri();
		assertThat(uri.getHost()).isEqualTo("cache.example");
		assertThat(uri.getPort()).isEqualTo(6390);
		assertThat(uri.isSsl()).isTrue();
		assertThat(properties.toString()).doesNotContain("s3cret");
	}

	@Test
	void rejectsOtherSchemesWithoutQuotingTheUrl() {
		assertThatIllegalArgumentException()
			.isThrownBy(
					() -> new RedisProperties("http://:s3cret@cache:6379", null, null, null, null, null, null, null))
			.withMessage("spring.data.redis.url must start with redis:// or rediss://");
	}

	@Test
	void findsTheMasterThroughTheSentinels() {
		RedisProperties properties = new RedisProperties(null, null, null, "gateway", "s3cret", 1, null, null,
				new RedisProperties.Sentinel("gateway-master", List.of("10.0.0.1:26379", " [::1]:26380"), null,
						"sentinel-pw"),
				null);
		RedisURI uri = properties.toUri();
		assertThat(uri.getSentinelMasterId()).isEqualTo("gateway-master");
		assertThat(uri.getSentinels()).extracting(RedisURI::getHost).containsExactly("10.0.0.1", "::1");
		assertThat(uri.getSentinels()).extracting(RedisURI::getPort).containsExactly(26379, 26380);
		assertThat(uri.getDatabase()).isEqualTo(1);
		StepVerifier.create(uri.getCredentialsProvider().resolveCredentials()).assertNext((credentials) -> {
			assertThat(credentials.getUsername()).isEqualTo("gateway");
			assertThat(new String(credentials.getPassword())).isEqualTo("s3cret");
		}).verifyComplete();
		StepVerifier.create(uri.getSentinels().get(0).getCredentialsProvider().resolveCredentials())
			.assertNext((credentials) -> assertThat(new String(credentials.getPassword())).isEqualTo("sentinel-pw"))
			.verifyComplete();
		assertThat(properties.topology()).isEqualTo("sentinel");
		assertThat(properties.toString()).doesNotContain("s3cret").doesNotContain("sentinel-pw");
	}

	@Test
	void lettucesOwnTimeoutIsTheConnectTimeoutEverywhere() {
		// Lettuce's default (a minute) would let one hung server hold a handshake or a
		// cluster's topology read that long (ClusterIntegrationTests shows the cluster).
		Duration connect = Duration.ofMillis(1500);
		assertThat(
				new RedisProperties(null, "redis.platform", 6380, null, null, null, null, connect).toUri().getTimeout())
			.isEqualTo(connect);
		assertThat(
				new RedisProperties("redis://cache.example:6390", null, null, null, null, null, null, connect).toUri()
					.getTimeout())
			.isEqualTo(connect);
		RedisURI sentinel = new RedisProperties(null, null, null, null, null, null, null, connect,
				new RedisProperties.Sentinel("gateway-master", List.of("10.0.0.1:26379", "10.0.0.2:26379"), null, null),
				null)
			.toUri();
		assertThat(sentinel.getTimeout()).isEqualTo(connect);
		assertThat(sentinel.getSentinels()).extracting(RedisURI::getTimeout).containsOnly(connect);
		assertThat(new RedisProperties(null, null, null, null, null, null, null, connect, null,
				new RedisProperties.Cluster(List.of("10.0.0.1:7000", "10.0.0.2:7000"), null))
			.clusterUris()).extracting(RedisURI::getTimeout).containsOnly(connect);
		// And the default connect timeout, 2 s, when none is set.
		assertThat(new RedisProperties(null, null, null, null, null, null, null, null).toUri().getTimeout())
			.isEqualTo(Duration.ofSeconds(2));
	}

}
