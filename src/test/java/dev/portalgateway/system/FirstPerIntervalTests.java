package dev.portalgateway.system;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.portalgateway.ManualTicker;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One full line per client and interval, the rest counted into one summary when the
 * interval ends, on a manual ticker.
 */
class FirstPerIntervalTests {

	private final ManualTicker ticker = new ManualTicker();

	private final List<String> summaries = new CopyOnWriteArrayList<>();

	private final FirstPerInterval lines = new FirstPerInterval(Duration.ofMinutes(1), 2, this.ticker,
			(client, more) -> this.summaries.add(client + " " + more));

	@Test
	void theFirstLineOfAnIntervalIsWrittenAndTheRestAreSummarisedWhenItEnds() {
		assertThat(this.lines.first("10.0.0.1")).isTrue();
		assertThat(this.lines.first("10.0.0.1")).isFalse();
		assertThat(this.lines.first("10.0.0.1")).isFalse();
		assertThat(this.lines.first("10.0.0.2")).as("another client").isTrue();
		this.ticker.advance(Duration.ofSeconds(59));
		this.lines.writeEndedSummaries();
		assertThat(this.summaries).as("the interval has not ended").isEmpty();
		this.ticker.advance(Duration.ofSeconds(1));
		this.lines.writeEndedSummaries();
		// A client with only its first line has nothing to summarise.
		assertThat(this.summaries).containsExactly("10.0.0.1 2");
		assertThat(this.lines.first("10.0.0.1")).as("a new interval").isTrue();
	}

	@Test
	void eachCountedLineIsSummarisedOnceWhenClientsAreForgottenEarly() {
		this.lines.first("10.0.0.1");
		this.lines.first("10.0.0.1");
		this.lines.first("10.0.0.2");
		this.lines.first("10.0.0.3");
		this.lines.writeEndedSummaries();
		// At most two counted at once: one of the first two went, with its count if any.
		assertThat(this.summaries).hasSizeLessThanOrEqualTo(1).allMatch((line) -> line.equals("10.0.0.1 1"));
		this.ticker.advance(Duration.ofMinutes(1));
		this.lines.writeEndedSummaries();
		// Whichever way the cache chose, the one counted line is summarised exactly once.
		assertThat(this.summaries).containsExactly("10.0.0.1 1");
	}

}
