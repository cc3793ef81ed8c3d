package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.portalgateway.Await;
import dev.portalgateway.Poll;
import dev.portalgateway.RedisProcess;
import dev.portalgateway.TestCallers;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Redis failover under load, as the Sentinel and Cluster tests run it: three callers
 * (one per replica) each ask for a link every 100 ms for 12 s, and the failover starts at
 * 3 s. Then the replicas must be back on one shared budget on the new master.
 */
final class Failover {

	/** The callers' tokens, one per replica. */
	static final List<String> TOKENS = List.of(TestCallers.BILLING_TOKEN, "team-b-token-0000000000",
			"team-c-token-0000000000");

	private static final List<String> NAMES = List.of("billing", "team-b", "team-c");

	static final Duration RUN = Duration.ofSeconds(12);

	static final Duration FAILOVER_AT = Duration.ofSeconds(3);

	private static final Duration EVERY = Duration.ofMillis(100);

	/** A broken connection, where a caller got no HTTP answer at all. */
	static final int NO_ANSWER = -1;

	private Failover() {
	}

	/** The three callers' settings. */
	static List<String> callers() {
		List<String> args = new ArrayList<>();
		for (int i = 0; i < NAMES.size(); i++) {
			args.add("--gateway.callers[" + i + "].name=" + NAMES.get(i));
			args.add("--gateway.callers[" + i + "].token-sha256=" + TestCallers.sha256(TOKENS.get(i)));
			args.add("--gateway.callers[" + i + "].intents=sso");
		}
		return args;
	}

	/**
	 * WorkOS calls in a run at the defaults (100 links per minute): the budget is used up
	 * (90 calls before the failure at 3 s), and losing the master adds little, because
	 * each replica's local share already counts the shared permits it took (without that,
	 * a killed master let 196–199 through). The documented worst case is 3 × 100.
	 */
	static void assertCallsAtTheDefaults(int workOsCalls) {
		assertThat(workOsCalls).isBetween(100, 150);
	}

	/** Runs the load, starting {@code failover} (blocking, off the callers) at 3 s. */
	static Run underLoad(ReplicaFleet fleet, Runnable failover) {
		long start = System.currentTimeMillis();
		List<Long> failoverAt = Collections.synchronizedList(new ArrayList<>());
		Mono<Void> failing = Mono.delay(FAILOVER_AT).publishOn(Schedulers.boundedElastic()).doOnNext((tick) -> {
			failoverAt.add(System.currentTimeMillis());
			failover.run();
		}).then();
		Flux<Integer> callers = Flux.range(0, TOKENS.size())
			.flatMap((caller) -> Flux.interval(EVERY)
				.take(RUN.toMillis() / EVERY.toMillis())
				.flatMap((tick) -> fleet.link(TOKENS.get(caller), caller)
					.onErrorResume((broken) -> Mono.just(NO_ANSWER))));
		List<Integer> statuses = Await
			.value(Mono.zip(callers.collectList(), failing.thenReturn(true)).map(reactor.util.function.Tuple2::getT1));
		return new Run(statuses, start, failoverAt.get(0));
	}

	/**
	 * Waits (up to 15 s) until every replica's store is healthy and has sent a heartbeat
	 * to {@code newMaster} since the failover began: only a store connected to the new
	 * master can write there (the old one is gone or a read-only replica of it).
	 */
	static void awaitSharedAgain(ReplicaFleet fleet, Run run, RedisProcess newMaster, Supplier<String> logs) {
		Poll.until(Duration.ofSeconds(15), () -> {
			boolean healthy = fleet.replicas.stream()
				.noneMatch((replica) -> replica.getBean(SharedQuotaStore.class).isDegraded());
			List<String> keys = newMaster.commands().keys("*:replicas");
			return healthy && keys.size() == 1 && newMaster.commands()
				.zcount(keys.get(0),
						io.lettuce.core.Range.create(run.failoverAt(), Long.MAX_VALUE)) == fleet.replicas.size();
		}, () -> "The replicas did not come back to the new master (" + sharedState(fleet, run, newMaster) + "):\n"
				+ logs.get());
	}

	/** What the wait above looked at, for its failure message. */
	private static String sharedState(ReplicaFleet fleet, Run run, RedisProcess newMaster) {
		StringBuilder state = new StringBuilder("degraded:");
		fleet.replicas
			.forEach((replica) -> state.append(' ').append(replica.getBean(SharedQuotaStore.class).isDegraded()));
		try {
			List<String> keys = newMaster.commands().keys("*:replicas");
			state.append("; role: ")
				.append(newMaster.commands()
					.info("replication")
					.lines()
					.filter((line) -> line.startsWith("role:"))
					.findFirst()
					.orElse("?"));
			state.append("; keys: ").append(keys);
			for (String key : keys) {
				state.append("; heartbeats: ")
					.append(newMaster.commands().zrangeWithScores(key, 0, -1))
					.append(" since ")
					.append(run.failoverAt());
			}
		}
		catch (RuntimeException ex) {
			state.append("; new master unreadable: ").append(ex);
		}
		return state.toString();
	}

	/**
	 * What the callers got, when the run started and when the failover was started (epoch
	 * ms).
	 */
	record Run(List<Integer> statuses, long start, long failoverAt) {

		/** Prints the run's figures (the README's topology table quotes them). */
		void report(String name, int workOsCalls) {
			long created = this.statuses.stream().filter((status) -> status == 201).count();
			long refused = this.statuses.stream().filter((status) -> status == 429).count();
			System.out.printf("%s: sent=%d, 201=%d, 429=%d, other=%d, WorkOS calls=%d%n", name, this.statuses.size(),
					created, refused, this.statuses.size() - created - refused, workOsCalls);
		}

		/** No 5xx and no broken connection: each caller got 201 or 429. */
		void assertNoFailures() {
			assertThat(this.statuses).hasSize(TOKENS.size() * (int) (RUN.toMillis() / EVERY.toMillis()))
				.containsOnly(201, 429)
				.contains(201);
		}

		/**
		 * No stretch of {@code period} saw more than 3 × {@code limit} WorkOS calls (the
		 * documented failover bound), and from one window after the failover's end on, no
		 * more than {@code limit}: one shared budget again. Calls are counted by when
		 * WorkOS saw them, in stretches 300 ms shorter than {@code period} for the lag
		 * between a permit and its call on a busy machine.
		 */
		void assertWindows(List<LoggedRequest> calls, int limit, Duration period) {
			assertWindows(calls, limit, period, Duration.ofSeconds(2));
		}

		/**
		 * As above, for a failover that takes up to {@code settle} (a Cluster waits for
		 * its node timeout and an election before the replica takes over).
		 */
		void assertWindows(List<LoggedRequest> calls, int limit, Duration period, Duration settle) {
			List<Long> times = calls.stream().map((call) -> call.getLoggedDate().getTime()).sorted().toList();
			long stretch = period.toMillis() - 300;
			long exactFrom = this.failoverAt + settle.toMillis() + period.toMillis();
			for (int i = 0; i < times.size(); i++) {
				long from = times.get(i);
				long within = times.stream().filter((time) -> time >= from && time < from + stretch).count();
				int bound = (from >= exactFrom) ? limit : 3 * limit;
				assertThat(within)
					.as("calls in %d ms from %d ms into the run (failover at %d ms)", stretch, from - this.start,
							this.failoverAt - this.start)
					.isLessThanOrEqualTo(bound);
			}
			assertThat(times).as("calls a window after the failover").anyMatch((time) -> time >= exactFrom);
		}

	}

}
