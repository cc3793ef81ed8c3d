package dev.portalgateway.workos;

import dev.portalgateway.portal.Intent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.portalgateway.Seeded;
import dev.portalgateway.ratelimit.FairShare;
import dev.portalgateway.ratelimit.KeyCooldown;
import dev.portalgateway.ratelimit.RateLimitProperties;
import dev.portalgateway.ratelimit.UpstreamQuotas;
import dev.portalgateway.system.GatewayProblem;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.resources.ConnectionProvider;
import reactor.test.scheduler.VirtualTimeScheduler;

import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deterministic simulation of the whole resilience chain (cool-down, quota, call, retry)
 * with the local quota store, on Reactor's virtual time: the real {@link WorkOsClient}
 * with its real {@code WebClient}, in front of a {@link ScriptedWorkOs}, at the default
 * retry, timeout and cool-down settings, with quotas of 1-3 as well as normal ones.
 * Callers of up to four teams (random weights and caps, sharing the link budget fairly)
 * arrive at random times with random deadlines, and some hang up at random points. After
 * each scenario six invariants are checked:
 * <ol>
 * <li>liveness: once WorkOS answers 201 and a permit is free, the next request gets its
 * link within one cool-down plus one call;</li>
 * <li>safety: no stretch of {@code period} sees more WorkOS calls than the limit, nor
 * more of one team's calls than its cap (the fair share's rules themselves are checked
 * decision by decision in {@code FairShareTests});</li>
 * <li>at most one probe per cool-down: no call during a cool-down, one call at a time
 * after it until WorkOS answers, and no probe lease left once every caller is done;</li>
 * <li>each caller gets exactly one answer (or none, after hanging up), within its
 * deadline plus 100 ms;</li>
 * <li>a WorkOS fault never becomes a 500, and no caller is told to wait longer than
 * {@code max-cooldown}.</li>
 * </ol>
 * A failing scenario prints its seed; {@code -Dseed.chain=<seed>} replays it.
 */
class ResilienceChainSimulationTests {

	/** Scenarios per run: a few seconds of the build on two cores. */
	private static final int SCENARIOS = 2000;

	private static final Instant EPOCH = Instant.parse("2026-11-30T08:00:00Z");

	private static final ConnectionProvider connections = ConnectionProvider.create("simulation", 1);

	private static final RetryProperties RETRY = TestWorkOsClients.DEFAULT_RETRY;

	private static final WorkOsProperties WORKOS = TestWorkOsClients.DEFAULT_WORKOS;

	private static final Duration STEP = Duration.ofMillis(100);

	/** What the scenarios of one run did, printed at the end so a run shows its reach. */
	private static final Totals TOTALS = new Totals();

	private final Map<String, Level> levels = new HashMap<>();

	private VirtualTimeScheduler time;

	@BeforeEach
	void quietAndVirtual() {
		// Thousands of 429s and 5xx: the chain's WARN lines would drown the build log.
		for (String name : List.of("dev.portalgateway.workos", "dev.portalgateway.ratelimit")) {
			Logger logger = (Logger) LoggerFactory.getLogger(name);
			this.levels.put(name, logger.getLevel());
			logger.setLevel(Level.ERROR);
		}
		this.time = VirtualTimeScheduler.create();
		VirtualTimeScheduler.getOrSet(this.time);
	}

	@AfterEach
	void restore() {
		TOTALS.print();
		VirtualTimeScheduler.reset();
		this.levels.forEach((name, level) -> ((Logger) LoggerFactory.getLogger(name)).setLevel(level));
	}

	@Test
	void theChainNeverWedgesNeverOvershootsAndAnswersEveryCallerInTime() {
		assertThat(RETRY.maxRetries()).as("the defaults").isEqualTo(3);
		Seeded.check("chain", SCENARIOS, (seeded) -> {
			// A fresh virtual clock per scenario: nothing left over from the last one.
			VirtualTimeScheduler.reset();
			this.time = VirtualTimeScheduler.create();
			VirtualTimeScheduler.getOrSet(this.time);
			new Scenario(seeded, this.time).run();
		});
	}

	/**
	 * ReliabilityTests' slow upstream at the defaults (there: 2 s timeout and deadline,
	 * to keep real time short): WorkOS holds every call 20 s; each of 10 callers gets a
	 * 504 with {@code Retry-After} within the 10 s deadline (plus 100 ms), after the 5 s
	 * response timeout and one retry cut at the deadline.
	 */
	@Test
	void aSlowWorkOsAtTheDefaultsIs504WithinTheDeadline() {
		Scenario scenario = new Scenario(new Seeded(5), this.time, 100, Duration.ofSeconds(60),
				(clock) -> ScriptedWorkOs.Answer.created(Duration.ofSeconds(20)));
		List<Outcome> callers = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			callers.add(scenario.request(Duration.ZERO, RETRY.deadline(), null));
		}
		this.time.advanceTimeBy(Duration.ofSeconds(30));
		assertThat(callers).allSatisfy((caller) -> {
			assertThat(caller.problem).isNotNull();
			assertThat(caller.problem.getBody().getProperties()).containsEntry("code", "upstream_timeout");
			assertThat(caller.problem.getHeaders().getFirst("Retry-After")).isNotNull();
			assertThat(caller.answeredAt - caller.arrival).isBetween(RETRY.deadline().minusMillis(100).toNanos(),
					RETRY.deadline().plusMillis(100).toNanos());
		});
		assertThat(scenario.workOs.starts()).as("two attempts each").isEqualTo(20);
	}

	/**
	 * PortalLinkIntegrationTests' retryable rows at the default retries (there: one
	 * attempt, so each row is one WorkOS answer): four attempts, then the row's answer,
	 * within the deadline.
	 */
	@Test
	void retryableErrorRowsAtTheDefaults() {
		Map<ScriptedWorkOs.Answer, String> rows = Map.of(
				new ScriptedWorkOs.Answer(502, null, Duration.ofMillis(20), false), "upstream_error",
				new ScriptedWorkOs.Answer(503, null, Duration.ofMillis(20), false), "upstream_error",
				new ScriptedWorkOs.Answer(504, null, Duration.ofMillis(20), false), "upstream_error",
				new ScriptedWorkOs.Answer(429, "1", Duration.ofMillis(20), false), "rate_limited",
				new ScriptedWorkOs.Answer(0, null, Duration.ofMillis(20), true), "upstream_unavailable");
		rows.forEach((answer, code) -> {
			Scenario scenario = new Scenario(new Seeded(6), this.time, 100, Duration.ofSeconds(60), (clock) -> answer);
			Outcome caller = scenario.request(Duration.ZERO, RETRY.deadline(), null);
			this.time.advanceTimeBy(RETRY.deadline().plusSeconds(1));
			assertThat(caller.problem).as("WorkOS answering %s", answer).isNotNull();
			assertThat(caller.problem.getBody().getProperties()).as("WorkOS answering %s", answer)
				.containsEntry("code", code);
			assertThat(scenario.workOs.starts()).as("WorkOS answering %s", answer).isEqualTo(1 + RETRY.maxRetries());
			assertThat(caller.answeredAt - caller.arrival).isLessThanOrEqualTo(RETRY.deadline().toNanos());
		});
	}

	/**
	 * Issue 14's first reproduction: 2 links per 8 s, WorkOS throttles one organization
	 * ({@code Retry-After: 1}); its request ends with a 429, the last try refused by the
	 * quota while holding the probe. After the quota's window the next link is 201 within
	 * 2 s, and WorkOS is called again.
	 */
	@Test
	void aProbeRefusedByTheQuotaDoesNotWedgeTheKey() {
		Scenario scenario = new Scenario(new Seeded(14), this.time, 2, Duration.ofSeconds(8),
				(clock) -> new ScriptedWorkOs.Answer(429, "1", Duration.ofMillis(20), false));
		Outcome throttled = scenario.request(Duration.ZERO, RETRY.deadline(), null);
		this.time.advanceTimeBy(Duration.ofSeconds(11));
		assertThat(throttled.problem).isNotNull();
		assertThat(throttled.problem.getStatusCode().value()).isEqualTo(429);
		assertThat(scenario.workOs.starts()).as("two attempts, the third refused by the quota").isEqualTo(2);
		scenario.workOs.heal(Duration.ofMillis(20));
		this.time.advanceTimeBy(Duration.ofSeconds(8));
		Outcome next = scenario.request(Duration.ZERO, RETRY.deadline(), null);
		this.time.advanceTimeBy(Duration.ofSeconds(2));
		assertThat(next.link).as("a link within 2 s").isNotNull();
		assertThat(scenario.workOs.starts()).isEqualTo(3);
	}

	/** Counts over the scenarios of a run. */
	static final class Totals {

		private long scenarios;

		private long callers;

		private long calls;

		private final Map<String, Long> answers = new java.util.TreeMap<>();

		synchronized void add(Scenario scenario) {
			this.scenarios++;
			this.callers += scenario.outcomes.size();
			this.calls += scenario.workOs.starts();
			for (Outcome outcome : scenario.outcomes) {
				String answer = (outcome.cancelledAt >= 0) ? "hung up"
						: (outcome.link != null) ? "201" : (outcome.problem != null)
								? Integer.toString(outcome.problem.getStatusCode().value()) : "other";
				this.answers.merge(answer, 1L, Long::sum);
			}
		}

		synchronized void print() {
			if (this.scenarios > 0) {
				System.out.printf("chain: %d scenarios, %d callers, %d WorkOS calls; callers got %s%n", this.scenarios,
						this.callers, this.calls, this.answers);
			}
			this.scenarios = 0;
			this.callers = 0;
			this.calls = 0;
			this.answers.clear();
		}

	}

	/** What one caller got. */
	static final class Outcome {

		final long arrival;

		final long deadline;

		@Nullable GeneratedLink link;

		@Nullable GatewayProblem problem;

		@Nullable Throwable other;

		int terminals;

		long answeredAt = -1;

		long cancelledAt = -1;

		boolean started;

		Outcome(long arrival, long deadline) {
			this.arrival = arrival;
			this.deadline = deadline;
		}

		boolean inFlight() {
			return this.started && this.terminals == 0 && this.cancelledAt < 0;
		}

	}

	/** One generated scenario: its configuration, callers, WorkOS and the checks. */
	static final class Scenario {

		private final Seeded seeded;

		private final VirtualTimeScheduler time;

		private final int limit;

		private final Duration period;

		private final Ticker ticker;

		private final Clock clock;

		final ScriptedWorkOs workOs;

		private final KeyCooldown cooldown;

		private final WorkOsClient client;

		private final List<Outcome> outcomes = new ArrayList<>();

		/** The teams callers come from, and which team each request id was. */
		private final List<FairShare.Claimant> teams = new ArrayList<>();

		private final Map<String, FairShare.Claimant> teamOfRequest = new HashMap<>();

		Scenario(Seeded seeded, VirtualTimeScheduler time) {
			this(seeded, time, seeded.oneOf(1, 2, 3, 5, 10, 100), Duration.ofSeconds(seeded.oneOf(1, 8, 60)), null);
		}

		Scenario(Seeded seeded, VirtualTimeScheduler time, int limit, Duration period,
				@Nullable Function<Clock, ScriptedWorkOs.Answer> script) {
			this.seeded = seeded;
			this.time = time;
			this.limit = limit;
			this.period = period;
			this.ticker = () -> time.now(TimeUnit.NANOSECONDS);
			this.clock = new VirtualClock(time);
			this.workOs = new ScriptedWorkOs(time, this.clock,
					(script != null) ? script : ScriptedWorkOs.drawn(seeded));
			MeterRegistry meters = new SimpleMeterRegistry();
			UpstreamQuotas quotas = new UpstreamQuotas(
					new RateLimitProperties(new RateLimitProperties.Quota(limit, period, null), null), "simulated",
					this.ticker, meters);
			this.cooldown = new KeyCooldown(this.ticker, meters);
			WorkOsConfiguration.Resilience resilience = new WorkOsConfiguration.Resilience(this.ticker, quotas,
					this.cooldown, RETRY, meters);
			SplittableRandom jitter = new SplittableRandom(seeded.seed());
			this.client = WorkOsConfiguration.create(WebClient.builder().exchangeFunction(this.workOs), WORKOS,
					TestWorkOsClients.ICONS, "simulated", this.clock, connections, resilience,
					new UpstreamRetry(RETRY, this.ticker, meters, () -> jitter));
		}

		void run() {
			for (int team = 0, count = this.seeded.between(1, 4); team < count; team++) {
				this.teams.add(new FairShare.Claimant("team-" + team, this.seeded.oneOf(1, 1, 2, 3),
						this.seeded.chance(0.3) ? this.seeded.between(1, Math.max(1, this.limit)) : 0));
			}
			int callers = this.seeded.between(1, 30);
			for (int i = 0; i < callers; i++) {
				Duration arrival = Duration.ofMillis(this.seeded.between(0, 60_000));
				Duration deadline = this.seeded.chance(0.5) ? RETRY.deadline()
						: Duration.ofMillis(this.seeded.between(50, 15_000));
				Duration hangUp = this.seeded.chance(0.2) ? Duration.ofMillis(this.seeded.between(0, 12_000)) : null;
				request(arrival, deadline, hangUp);
			}
			// In steps, checking after each that a probe is out only while a caller is.
			for (int step = 0; step < 900; step++) {
				this.time.advanceTimeBy(STEP);
				if (this.outcomes.stream().noneMatch(Outcome::inFlight)) {
					assertThat(this.cooldown.probing())
						.as("a probe lease held with no caller in flight at %s",
								Duration.ofNanos(this.time.now(TimeUnit.NANOSECONDS)))
						.isFalse();
				}
			}
			TOTALS.add(this);
			checkCallers();
			checkCalls();
			checkLiveness();
		}

		/**
		 * One caller arriving after {@code arrival}, with its own deadline (the gateway's
		 * default, or one of its own as the WorkOS-compatible API allows), hanging up
		 * after {@code hangUp} if not null.
		 */
		Outcome request(Duration arrival, Duration deadline, @Nullable Duration hangUp) {
			long now = this.time.now(TimeUnit.NANOSECONDS);
			Outcome outcome = new Outcome(now + arrival.toNanos(), deadline.toNanos());
			this.outcomes.add(outcome);
			GenerateLinkCommand command = new GenerateLinkCommand("org_" + this.seeded.between(1, 3), Intent.SSO, null,
					null, null, null);
			String requestId = "req-" + this.outcomes.size();
			FairShare.Claimant team = this.teams.isEmpty() ? UpstreamQuotas.GATEWAY : this.seeded.oneOf(this.teams);
			this.teamOfRequest.put(requestId, team);
			Mono<GeneratedLink> call = this.client.generateLink(command, requestId, team, null, deadline);
			Disposable subscription = Mono.delay(arrival)
				.doOnNext((tick) -> outcome.started = true)
				.then(call)
				.subscribe((link) -> {
					outcome.link = link;
					answered(outcome);
				}, (failure) -> {
					if (failure instanceof GatewayProblem problem) {
						outcome.problem = problem;
					}
					else {
						outcome.other = failure;
					}
					answered(outcome);
				}, () -> {
					if (outcome.link == null) {
						answered(outcome);
					}
				});
			if (hangUp != null) {
				Mono.delay(arrival.plus(hangUp)).subscribe((tick) -> {
					if (outcome.terminals == 0) {
						outcome.cancelledAt = this.time.now(TimeUnit.NANOSECONDS);
						subscription.dispose();
					}
				});
			}
			return outcome;
		}

		private void answered(Outcome outcome) {
			outcome.terminals++;
			if (outcome.answeredAt < 0) {
				outcome.answeredAt = this.time.now(TimeUnit.NANOSECONDS);
			}
		}

		/** Invariants 4 and 5. */
		private void checkCallers() {
			for (Outcome outcome : this.outcomes) {
				String who = "caller arriving at " + Duration.ofNanos(outcome.arrival);
				if (outcome.cancelledAt >= 0) {
					assertThat(outcome.terminals).as(who + ": nothing after hanging up").isZero();
					continue;
				}
				assertThat(outcome.terminals).as(who + ": exactly one answer").isEqualTo(1);
				assertThat(outcome.link != null || outcome.problem != null)
					.as(who + ": a link or a problem, not " + outcome.other)
					.isTrue();
				assertThat(outcome.answeredAt - outcome.arrival).as(who + ": within its deadline plus 100 ms")
					.isLessThanOrEqualTo(outcome.deadline + Duration.ofMillis(100).toNanos());
				if (outcome.problem != null) {
					assertThat(outcome.problem.getStatusCode().value()).as(who + ": never a 500").isNotEqualTo(500);
					String retryAfter = outcome.problem.getHeaders().getFirst("Retry-After");
					if (retryAfter != null) {
						assertThat(Long.parseLong(retryAfter)).as(who + ": Retry-After at most max-cooldown")
							.isBetween(1L, RETRY.maxCooldown().toSeconds());
					}
				}
			}
		}

		/** Invariants 2 and 3, from WorkOS's log of calls. */
		private void checkCalls() {
			List<ScriptedWorkOs.Event> events = this.workOs.events();
			ScriptedWorkOs.checkCooldowns(events, RETRY.maxCooldown(), EPOCH);
			assertThat(this.cooldown.probing()).as("no probe lease left once every caller is done").isFalse();
			ScriptedWorkOs.checkWindows(events, this.period, this.limit);
			for (FairShare.Claimant team : this.teams) {
				if (team.maxLinks() > 0) {
					ScriptedWorkOs.checkWindows(events.stream()
						.filter((event) -> this.teamOfRequest.get(event.requestId()) == team)
						.toList(), this.period, team.maxLinks());
				}
			}
		}

		/**
		 * Invariant 1: WorkOS heals; after a cool-down and a window the next link is 201.
		 */
		private void checkLiveness() {
			Duration call = Duration.ofMillis(50);
			this.workOs.heal(call);
			this.time.advanceTimeBy(this.cooldown.remaining().plus(this.period));
			Outcome next = request(Duration.ZERO, RETRY.deadline(), null);
			this.time.advanceTimeBy(call);
			assertThat(next.link).as("a link in one call once the key and a permit are free (got %s)", next.problem)
				.isNotNull();
		}

	}

	/** Wall time that moves with the virtual scheduler. */
	static final class VirtualClock extends Clock {

		private final VirtualTimeScheduler time;

		VirtualClock(VirtualTimeScheduler time) {
			this.time = time;
		}

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return EPOCH.plusNanos(this.time.now(TimeUnit.NANOSECONDS));
		}

	}

}
