// An open-loop load generator for "latency at a fixed request rate": requests leave evenly
// spaced (one every 1/RATE s, not in bursts), and each latency is measured from the moment
// the request was due, not from when it was actually sent, so a stalled server cannot hide
// its stall by slowing the generator down (no coordinated omission). Run by bench/run.sh
// as a single-file program on the gateway's own dependency jars:
//
//   java -cp 'extracted/lib/*' bench/FixedRate.java URL RATE SECONDS WARMUP_SECONDS BODY [Header:value ...]
//
// The warm-up (same rate, not recorded) warms this generator's own JIT and connections.
// Prints one line: "p50_ms p99_ms p999_ms sent non2xx".
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.netty.handler.codec.http.HttpHeaders;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

public class FixedRate {

	public static void main(String[] args) throws Exception {
		String url = args[0];
		int rate = Integer.parseInt(args[1]);
		int seconds = Integer.parseInt(args[2]);
		int warmup = Integer.parseInt(args[3]);
		String body = args[4];
		long period = TimeUnit.SECONDS.toNanos(1) / rate;
		ConnectionProvider connections = ConnectionProvider.builder("fixed-rate")
			.maxConnections(200)
			.pendingAcquireMaxCount(-1)
			.build();
		HttpClient client = HttpClient.create(connections).headers((headers) -> {
			headers.set("Content-Type", "application/json");
			for (int i = 5; i < args.length; i++) {
				int colon = args[i].indexOf(':');
				headers.set(args[i].substring(0, colon).trim(), args[i].substring(colon + 1).trim());
			}
		});
		if (warmup > 0) {
			run(client, url, body, rate * warmup, period);
		}
		int total = rate * seconds;
		Result result = run(client, url, body, total, period);
		long[] latencies = result.latencies();
		Arrays.sort(latencies);
		System.out.printf("%.2f %.2f %.2f %d %d%n", millis(latencies, 0.50), millis(latencies, 0.99),
				millis(latencies, 0.999), total, result.failures());
		connections.disposeLater().block();
	}

	record Result(long[] latencies, int failures) {
	}

	private static Result run(HttpClient client, String url, String body, int total, long period)
			throws InterruptedException {
		long[] latencies = new long[total];
		AtomicInteger failures = new AtomicInteger();
		CountDownLatch done = new CountDownLatch(total);
		long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
		for (int i = 0; i < total; i++) {
			long due = start + i * period;
			long wait = due - System.nanoTime();
			if (wait > 0) {
				LockSupport.parkNanos(wait);
			}
			int slot = i;
			client.post()
				.uri(url)
				.send(ByteBufFlux.fromString(Mono.just(body)))
				.responseSingle((response, content) -> content.asByteArray()
					.defaultIfEmpty(new byte[0])
					.map((bytes) -> response.status().code()))
				.timeout(Duration.ofSeconds(10))
				.subscribe((status) -> {
					latencies[slot] = System.nanoTime() - due;
					if (status < 200 || status > 299) {
						failures.incrementAndGet();
					}
					done.countDown();
				}, (error) -> {
					latencies[slot] = System.nanoTime() - due;
					failures.incrementAndGet();
					done.countDown();
				});
		}
		done.await(30, TimeUnit.SECONDS);
		return new Result(latencies, failures.get() + (int) done.getCount());
	}

	private static double millis(long[] sorted, double quantile) {
		return sorted[(int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)] / 1_000_000.0;
	}

}
