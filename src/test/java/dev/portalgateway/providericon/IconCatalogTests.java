package dev.portalgateway.providericon;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ForkJoinPool;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.portalgateway.ManualTicker;
import dev.portalgateway.WorkOsFixtures;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import dev.portalgateway.workos.IconSource;
import dev.portalgateway.workos.TestWorkOsClients;
import dev.portalgateway.workos.WorkOsClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The icon catalog against WireMock, on a manual ticker: single-flight, refresh-ahead and
 * stale-if-error. Caffeine runs its maintenance on the common pool, as in production: run
 * on the calling thread, its eviction lock would be taken on event loops.
 */
class IconCatalogTests {

	@RegisterExtension
	static WireMockExtension workOs = WorkOsFixtures.workOs();

	private static final Duration VERIFY = Duration.ofSeconds(10);

	private static final String PATH = "/portal/provider_icons";

	private final ManualTicker ticker = new ManualTicker();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	@Test
	void fiftyConcurrentColdReadsMakeOneUpstreamCall() {
		stub(icons().withFixedDelay(300));
		IconCatalog catalog = catalog(TestWorkOsClients.ICONS);
		StepVerifier.create(Flux.range(0, 50).flatMap((i) -> catalog.icons(), 50).map(IconList::etag).distinct())
			.expectNextCount(1)
			.expectComplete()
			.verify(VERIFY);
		workOs.verify(1, getRequestedFor(urlEqualTo(PATH)));
		assertThat(this.meters.get("cache.gets")
			.tag("cache", "provider_icons")
			.tag("result", "miss")
			.functionCounter()
			.count()).isEqualTo(1);
	}

	@Test
	void acceptsIconOrIconUrlAndSkipsUnusableItems() {
		stub(icons());
		StepVerifier.create(catalog(TestWorkOsClients.ICONS).icons().map(IconList::icons))
			.assertNext((icons) -> assertThat(icons).containsExactly(
					new ProviderIcon("GoogleOAuth", "https://cdn.workos.com/provider-icons/light/google.svg"),
					new ProviderIcon("OktaSAML", "https://cdn.workos.com/provider-icons/light/okta.svg"),
					new ProviderIcon("AzureSAML", "https://cdn.workos.com/provider-icons/light/azure.svg")))
			.expectComplete()
			.verify(VERIFY);
		workOs.verify(getRequestedFor(urlEqualTo(PATH)).withHeader("Authorization",
				equalTo("Bearer " + TestWorkOsClients.KEY)));
	}

	@Test
	void servesTheCurrentListWhileOneBackgroundRefreshRuns() {
		stub(icons());
		IconCatalog catalog = catalog(TestWorkOsClients.ICONS);
		IconList first = first(catalog);
		this.ticker.advance(Duration.ofMinutes(11));
		stub(aResponse().withStatus(200)
			.withHeader("Content-Type", "application/json")
			.withBody("[{\"provider\":\"OktaSAML\",\"icon_url\":\"https://cdn.example.com/okta-v2.svg\"}]")
			.withFixedDelay(300));
		StepVerifier.create(catalog.icons()).expectNext(first).expectComplete().verify(VERIFY);
		StepVerifier.create(catalog.icons()).expectNext(first).expectComplete().verify(VERIFY);
		StepVerifier
			.create(Flux.interval(Duration.ofMillis(50))
				.flatMap((tick) -> catalog.icons())
				.filter((list) -> list != first)
				.next())
			.assertNext((refreshed) -> assertThat(refreshed.icons()).hasSize(1))
			.expectComplete()
			.verify(VERIFY);
		workOs.verify(2, getRequestedFor(urlEqualTo(PATH)));
	}

	@Test
	void keepsServingTheOldListWhileTheSourceIsDownAndItAges() {
		stub(icons());
		IconCatalog catalog = catalog(TestWorkOsClients.ICONS);
		IconList first = first(catalog);
		stub(aResponse().withStatus(503));
		for (int minutes : new int[] { 11, 60, 600 }) {
			this.ticker.advance(Duration.ofMinutes(minutes));
			StepVerifier.create(catalog.icons()).expectNext(first).expectComplete().verify(VERIFY);
		}
		assertThat(catalog.age(first)).isEqualTo(Duration.ofMinutes(671));
	}

	@Test
	void givesUpOnTheOldListAfterMaxStale() {
		stub(icons());
		IconCatalog catalog = catalog(TestWorkOsClients.ICONS);
		first(catalog);
		stub(aResponse().withStatus(503));
		this.ticker.advance(Duration.ofHours(25));
		expectProblem(catalog, ProblemCode.UPSTREAM_UNAVAILABLE);
	}

	@Test
	void answersUnavailableWhenColdAndTheSourceIsDown() {
		stub(aResponse().withStatus(500));
		expectProblem(catalog(TestWorkOsClients.ICONS), ProblemCode.UPSTREAM_UNAVAILABLE);
	}

	@Test
	void treatsA404AsAConfigurationFault() {
		stub(aResponse().withStatus(404));
		expectProblem(catalog(TestWorkOsClients.ICONS), ProblemCode.ICON_SOURCE_NOT_FOUND);
	}

	@Test
	void neverSendsTheWorkOsKeyToAnotherIconSource() {
		workOs.stubFor(get("/provider-icons.json").willReturn(icons()));
		// Same WireMock, reached under another host name: a different origin for the
		// client.
		IconSource cdn = new IconSource(URI.create("http://127.0.0.1:" + workOs.getPort()), "/provider-icons.json");
		IconCatalog catalog = new IconCatalog(
				TestWorkOsClients.client("http://localhost:" + workOs.getPort(), cdn, this.ticker),
				new IconProperties(null, "/portal/provider_icons", Duration.ofMinutes(10), Duration.ofHours(24)),
				this.ticker, ForkJoinPool.commonPool(), JsonMapper.builder().build(), this.meters);
		StepVerifier.create(catalog.icons()).expectNextCount(1).expectComplete().verify(VERIFY);
		workOs.verify(getRequestedFor(urlEqualTo("/provider-icons.json")).withHeader("Authorization", absent()));
	}

	private IconList first(IconCatalog catalog) {
		IconList[] holder = new IconList[1];
		StepVerifier.create(catalog.icons())
			.consumeNextWith((list) -> holder[0] = list)
			.expectComplete()
			.verify(VERIFY);
		// Caffeine stamps the entry's write time (on the manual ticker) just after
		// callers
		// are answered; moving the ticker before that would date the entry in the future.
		// The age gauge reads that stamp (NaN until there is one).
		StepVerifier
			.create(Flux.interval(Duration.ofMillis(5))
				.filter((tick) -> !Double.isNaN(this.meters.get("gateway.icons.age").gauge().value()))
				.next())
			.expectNextCount(1)
			.expectComplete()
			.verify(VERIFY);
		return holder[0];
	}

	private void expectProblem(IconCatalog catalog, ProblemCode code) {
		StepVerifier.create(catalog.icons())
			.expectErrorSatisfies((error) -> assertThat(((GatewayProblem) error).code()).isEqualTo(code))
			.verify(VERIFY);
	}

	private IconCatalog catalog(IconSource source) {
		WorkOsClient client = TestWorkOsClients.client(workOs.baseUrl(), source, this.ticker);
		return new IconCatalog(client,
				new IconProperties(null, "/portal/provider_icons", Duration.ofMinutes(10), Duration.ofHours(24)),
				this.ticker, ForkJoinPool.commonPool(), JsonMapper.builder().build(), this.meters);
	}

	private static void stub(ResponseDefinitionBuilder response) {
		workOs.stubFor(get(PATH).willReturn(response));
	}

	private static ResponseDefinitionBuilder icons() {
		return aResponse().withStatus(200)
			.withHeader("Content-Type", "application/json")
			.withBody(WorkOsFixtures.read("provider_icons-200.json"));
	}

}
