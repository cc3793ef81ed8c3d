package dev.portalgateway.system;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.portalgateway.Poll;
import dev.portalgateway.StubbedWorkOs;
import dev.portalgateway.TestCallers;
import dev.portalgateway.WorkOsFixtures;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code http_server_requests} as operators knew it from Spring's observation: the same
 * tags and values for a matched route, an unknown path, a problem rendered by a route's
 * filter and one rendered by the exception handler. (The management port keeps Spring's
 * observation: both write the same meter with the same tag names, which Prometheus
 * requires.)
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "management.server.port=0")
@StubbedWorkOs
class ServerRequestMetricsTests {

	@Autowired
	WireMockServer workOs;

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@Autowired
	MeterRegistry meters;

	@Autowired
	StoppedObservations stopped;

	@Test
	void timesEachRequestWithTheObservationsTags() {
		WorkOsFixtures.stubIcons(this.workOs);
		WebTestClient client = TestCallers.client(this.port);
		TestCallers.requestIcons(client).expectStatus().isOk();
		client.get().uri("/v1/nothing-here").exchange().expectStatus().isNotFound();
		client.post()
			.uri("/v1/portal-links")
			.headers((headers) -> headers.setBearerAuth(TestCallers.BILLING_TOKEN))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{")
			.exchange()
			.expectStatus()
			.isBadRequest();
		client.get().uri("/v1/provider-icons").exchange().expectStatus().isUnauthorized();
		TestCallers.scrape(this.managementPort);
		// The management port's requests are timed once, by Spring's observation there,
		// which stops when the exchange completes: that may be after the client has the
		// answer, so wait for it. A second timing (the API's filters, which the child
		// context also runs) would have been recorded before that, at commit.
		Poll.until(Duration.ofSeconds(5), () -> this.stopped.count() == 1,
				() -> "The scrape's observation did not stop");
		assertThat(scrapesTimed()).isEqualTo(1);
		String scrape = TestCallers.scrape(this.managementPort);
		// No long-task timer of requests in flight: it would cover the management port
		// only, tagged uri UNKNOWN (application.yaml).
		assertThat(this.meters.find("http.server.requests.active").longTaskTimers()).isEmpty();
		assertThat(scrape).doesNotContain("http_server_requests_active");
		assertThat(scrape).contains("http_server_requests_seconds_count{application=\"portal-gateway\",error=\"none\","
				+ "exception=\"none\",method=\"GET\",outcome=\"SUCCESS\",status=\"200\",uri=\"/v1/provider-icons\"} 1")
			.contains("http_server_requests_seconds_count{application=\"portal-gateway\",error=\"none\","
					+ "exception=\"none\",method=\"POST\",outcome=\"CLIENT_ERROR\",status=\"400\",uri=\"/v1/portal-links\"} 1")
			.contains("http_server_requests_seconds_count{application=\"portal-gateway\",error=\"none\","
					+ "exception=\"none\",method=\"GET\",outcome=\"CLIENT_ERROR\",status=\"401\",uri=\"/v1/provider-icons\"} 1")
			// An unknown path: no route's pattern, so NOT_FOUND, as Spring's
			// convention names it (no static resources on this port: CallersPort).
			.contains("http_server_requests_seconds_count{application=\"portal-gateway\","
					+ "error=\"ResponseStatusException\",exception=\"ResponseStatusException\",method=\"GET\","
					+ "outcome=\"CLIENT_ERROR\",status=\"404\",uri=\"NOT_FOUND\"} 1")
			.contains(
					"http_server_requests_seconds_bucket{application=\"portal-gateway\",error=\"none\",exception=\"none\","
							+ "method=\"GET\",outcome=\"SUCCESS\",status=\"200\",uri=\"/v1/provider-icons\",le=\"0.005\"}");
	}

	private long scrapesTimed() {
		return this.meters.find("http.server.requests")
			.tag("uri", "/actuator/prometheus")
			.timers()
			.stream()
			.mapToLong(Timer::count)
			.sum();
	}

	/** Counts the server observations that stopped (the management port's requests). */
	@TestConfiguration(proxyBeanMethods = false)
	static class StoppedObservations implements ObservationHandler<Observation.Context> {

		private final AtomicInteger stopped = new AtomicInteger();

		int count() {
			return this.stopped.get();
		}

		@Override
		public void onStop(Observation.Context context) {
			if ("http.server.requests".equals(context.getName())) {
				this.stopped.incrementAndGet();
			}
		}

		@Override
		public boolean supportsContext(Observation.Context context) {
			return true;
		}

	}

}
