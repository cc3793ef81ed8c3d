package dev.portalgateway;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits in real time for an outside process to reach a state (a Redis server ready, a
 * sentinel aware of a replica, a cluster's slots covered, Prometheus firing an alert), or
 * for the JVM's own asynchronous notifications (a GC pause recorded). Test servers run on
 * the machine's clock, so no virtual time can drive them; checkstyle allows a sleep here
 * and nowhere else in the tests. Assertions about timing never use it.
 */
public final class Poll {

	private static final Duration EVERY = Duration.ofMillis(20);

	private Poll() {
	}

	/**
	 * Lets {@code time} pass on the machine's clock, for a server that counts by it:
	 * Redis's quota windows run on its own {@code TIME}, which no test can move. Not for
	 * timing assertions.
	 */
	public static void elapse(Duration time) {
		long until = System.nanoTime() + time.toNanos();
		until(time.plusSeconds(1), () -> System.nanoTime() - until >= 0, () -> time + " did not pass");
	}

	/**
	 * Checks {@code done} every 20 ms until it holds; after {@code within}, fails with
	 * {@code why} (what was awaited and what the process said).
	 */
	public static void until(Duration within, BooleanSupplier done, Supplier<String> why) {
		long deadline = System.nanoTime() + within.toNanos();
		while (!done.getAsBoolean()) {
			if (System.nanoTime() - deadline > 0) {
				throw new IllegalStateException(why.get());
			}
			try {
				Thread.sleep(EVERY.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted while waiting: " + why.get(), ex);
			}
		}
	}

}
