package dev.portalgateway;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;

/**
 * A Lettuce client for the tests' own look into Redis, with resources of its own that
 * {@link #close()} shuts down on the calling thread, after the client: left to the
 * client, the shutdown would run on one of Lettuce's event loops, and stopping Lettuce's
 * latency statistics there parks the thread (BlockHound refuses it). The statistics are
 * off as well; tests do not read them.
 */
public final class TestLettuce implements AutoCloseable {

	private final ClientResources resources = DefaultClientResources.builder()
		.commandLatencyRecorder(CommandLatencyRecorder.disabled())
		.build();

	private final RedisClient client;

	public TestLettuce(RedisURI uri) {
		this.client = RedisClient.create(this.resources, uri);
		this.client.setOptions(RedisProcess.clientOptions());
	}

	/** A client without a default address (for sentinels). */
	public TestLettuce() {
		this.client = RedisClient.create(this.resources);
		this.client.setOptions(RedisProcess.clientOptions());
	}

	public RedisClient client() {
		return this.client;
	}

	@Override
	public void close() {
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
		try {
			this.resources.shutdown(0, 1, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			// Threads left to the JVM's exit: harmless in a test.
			if (ex instanceof InterruptedException) {
				Thread.currentThread().interrupt();
			}
		}
	}

}
