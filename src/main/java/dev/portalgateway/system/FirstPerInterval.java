package dev.portalgateway.system;

import java.time.Duration;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;

/**
 * One full log line per client and interval, and one summary for the rest, so that a
 * flood of refused requests from one address costs two lines per interval, not one per
 * request.
 * <p>
 * {@link #first} says whether a line about a client is its first in the interval (write
 * it); later ones are counted, and when the interval ends the count is handed to the
 * {@link Summary} (if any were counted). Clients live in a Caffeine cache of at most
 * {@code maxClients}; when more clients than that are refused within one interval, the
 * least recently seen ones get their summaries early. Summaries are written by the thread
 * that expires the entry: Caffeine's scheduler (the JVM's system scheduler), or the next
 * request's, never later than an interval after the last one counted.
 */
public final class FirstPerInterval {

	private final Cache<String, AtomicLong> clients;

	/**
	 * @param interval how long a client's full line stands for the ones after it
	 * @param maxClients the most clients counted at once
	 * @param ticker the time
	 * @param summary writes a client's count when its interval ends
	 */
	public FirstPerInterval(Duration interval, long maxClients, Ticker ticker, Summary summary) {
		this.clients = Caffeine.newBuilder()
			.ticker(ticker)
			.executor(ForkJoinPool.commonPool())
			.scheduler(Scheduler.systemScheduler())
			.maximumSize(maxClients)
			.expireAfterWrite(interval)
			.<String, AtomicLong>evictionListener((client, more, cause) -> {
				long count = (more != null) ? more.get() : 0;
				if (client != null && count > 0) {
					summary.write(client, count);
				}
			})
			.build();
	}

	/**
	 * Whether this is the client's first line in its interval; if not, it is counted for
	 * the summary.
	 * @param client the client's key ({@link ClientKey})
	 * @return true if the line is to be written
	 */
	public boolean first(String client) {
		boolean[] first = { false };
		AtomicLong more = this.clients.get(client, (absent) -> {
			first[0] = true;
			return new AtomicLong();
		});
		if (!first[0]) {
			more.incrementAndGet();
		}
		return first[0];
	}

	/**
	 * Writes the summaries of intervals that have ended, now (tests; else Caffeine's
	 * scheduler does).
	 */
	public void writeEndedSummaries() {
		this.clients.cleanUp();
	}

	/** Writes the summary of a client's interval. */
	@FunctionalInterface
	public interface Summary {

		/**
		 * @param client the client's key
		 * @param more how many lines were not written after its first
		 */
		void write(String client, long more);

	}

}
