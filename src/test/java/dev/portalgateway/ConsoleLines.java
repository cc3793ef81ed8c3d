package dev.portalgateway;

import java.time.Duration;

import dev.portalgateway.system.Uuids;
import org.slf4j.LoggerFactory;

import org.springframework.boot.test.system.CapturedOutput;

/**
 * Log lines reach the console from a thread of their own once an application is ready
 * ({@code system.ConsoleOffTheLoops}), a little after they are logged; a test that reads
 * the captured output first waits for them here.
 */
public final class ConsoleLines {

	private ConsoleLines() {
	}

	/**
	 * Waits until every line logged so far is in {@code output}: logs a marker line and
	 * waits for it, as the lines are written in the order they were logged.
	 */
	public static CapturedOutput flushed(CapturedOutput output) {
		String marker = "console lines flushed " + Uuids.random();
		LoggerFactory.getLogger(ConsoleLines.class).warn(marker);
		Poll.until(Duration.ofSeconds(10), () -> output.getAll().contains(marker),
				() -> "The console did not write the marker line " + marker);
		return output;
	}

}
