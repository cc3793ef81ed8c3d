package dev.portalgateway.workos;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;

import dev.portalgateway.Seeded;
import dev.portalgateway.WorkOsFixtures;
import dev.portalgateway.ratelimit.UpstreamQuotas;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.client.ExchangeStrategies;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * WorkOS as a script on virtual time, for simulations of the resilience chain: each call
 * gets the next answer the script draws (201; 429 with a {@code Retry-After} of 0, 1, N
 * seconds, an HTTP-date, none or a huge one; 500, 502, 503, 504; a connection reset; an
 * answer slower than the response timeout), after a drawn latency. Every call is logged
 * as events in the order they happen, for invariants. On virtual time (one thread) or in
 * real time (calls from several replicas at once, each tagged with its replica).
 */
final class ScriptedWorkOs implements ExchangeFunction {

	private static final String LINK = WorkOsFixtures.read("generate_link-201.json");

	private static final String THROTTLED = WorkOsFixtures.read("generate_link-429.json");

	private static final String FAILED = WorkOsFixtures.read("generate_link-500.json");

	/** Made here, on the test's thread: making them reads the jar (BlockHound). */
	private static final ExchangeStrategies STRATEGIES = ExchangeStrategies.withDefaults();

	/** What one call is answered with. */
	record Answer(int status, @Nullable String retryAfter, Duration latency, boolean reset) {

		static Answer created(Duration latency) {
			return new Answer(201, null, latency, false);
		}

	}

	/** One thing that happened at WorkOS, at virtual time {@code nanos}. */
	record Event(long nanos, int replica, int call, Kind kind, int status, @Nullable String retryAfter, long admittedAt,
			@Nullable String requestId) {

		enum Kind {

			/** The call reached WorkOS. */
			START,
			/** WorkOS answered with {@code status}. */
			ANSWER,
			/** The call is over: answered, reset, timed out or cancelled. */
			END

		}

	}

	private final LongSupplier nanos;

	private final Clock clock;

	private final List<Event> events = new ArrayList<>();

	private int calls;

	private volatile Function<Clock, Answer> script;

	ScriptedWorkOs(VirtualTimeScheduler time, Clock clock, Function<Clock, Answer> script) {
		this(() -> time.now(TimeUnit.NANOSECONDS), clock, script);
	}

	ScriptedWorkOs(LongSupplier nanos, Clock clock, Function<Clock, Answer> script) {
		this.nanos = nanos;
		this.clock = clock;
		this.script = script;
	}

	/**
	 * A script drawn from {@code seeded}: a mix of answers weighted per scenario, so some
	 * scenarios are mostly healthy and others mostly throttled or broken.
	 */
	static Function<Clock, Answer> drawn(Seeded seeded) {
		return drawn(seeded, false);
	}

	/**
	 * A drawn script; {@code brief} keeps every wait short (no {@code Retry-After} over 1
	 * s, no answer slower than 50 ms) for simulations that run in real time.
	 */
	static Function<Clock, Answer> drawn(Seeded seeded, boolean brief) {
		int created = seeded.between(0, 10);
		int throttled = seeded.between(0, 10);
		int failing = seeded.between(0, 6);
		int resets = seeded.between(0, 3);
		int slow = seeded.between(0, 3);
		int total = created + throttled + failing + resets + slow + 1;
		return (clock) -> {
			Duration latency = Duration.ofMillis(seeded.between(1, brief ? 50 : 400));
			int pick = seeded.between(0, total - 1);
			if ((pick -= created + 1) < 0) {
				return Answer.created(latency);
			}
			if ((pick -= throttled) < 0) {
				String retryAfter = switch (brief ? seeded.oneOf(0, 1, 6) : seeded.between(0, 6)) {
					case 0 -> "0";
					case 1 -> "1";
					case 2 -> Integer.toString(seeded.between(2, 30));
					case 3 -> DateTimeFormatter.RFC_1123_DATE_TIME
						.format(clock.instant().plusSeconds(seeded.between(1, 20)).atZone(ZoneOffset.UTC));
					case 4 -> seeded.oneOf("999999", "99999999999", "86400");
					case 5 -> seeded.oneOf("soon", "-3", "");
					default -> null;
				};
				return new Answer(429, retryAfter, latency, false);
			}
			if ((pick -= failing) < 0) {
				return new Answer(seeded.oneOf(500, 502, 503, 504), null, latency, false);
			}
			if ((pick -= resets) < 0 || brief) {
				return new Answer(0, null, latency, true);
			}
			// Slower than the default response timeout (5 s).
			return Answer.created(Duration.ofMillis(seeded.between(5_001, 20_000)));
		};
	}

	/** From now on every call is answered 201 after {@code latency}. */
	void heal(Duration latency) {
		this.script = (clock) -> Answer.created(latency);
	}

	synchronized List<Event> events() {
		return List.copyOf(this.events);
	}

	/** The events of one replica's calls. */
	List<Event> events(int replica) {
		return events().stream().filter((event) -> event.replica() == replica).toList();
	}

	synchronized long starts() {
		return this.events.stream().filter((event) -> event.kind() == Event.Kind.START).count();
	}

	@Override
	public Mono<ClientResponse> exchange(ClientRequest request) {
		return forReplica(0).exchange(request);
	}

	/** The exchange of one replica: the same WorkOS, its calls tagged. */
	ExchangeFunction forReplica(int replica) {
		return (request) -> exchange(replica, request.headers().getFirst("X-Request-Id"));
	}

	private Mono<ClientResponse> exchange(int replica, @Nullable String requestId) {
		return Mono.deferContextual((context) -> {
			int call = nextCall();
			// With the Redis store: when Redis admitted this call's permit.
			long admittedAt = UpstreamQuotas.admittedAt(context).orElse(-1);
			record(replica, call, Event.Kind.START, 0, null, admittedAt, requestId);
			Answer answer = nextAnswer();
			Mono<ClientResponse> answered = Mono.delay(answer.latency()).flatMap((tick) -> {
				if (answer.reset()) {
					return Mono.error(new IOException("Connection reset by peer"));
				}
				record(replica, call, Event.Kind.ANSWER, answer.status(), answer.retryAfter(), -1, requestId);
				ClientResponse.Builder response = ClientResponse.create(HttpStatus.valueOf(answer.status()), STRATEGIES)
					.header("Content-Type", MediaType.APPLICATION_JSON_VALUE)
					.header("X-Request-ID", "upstream-" + call)
					.body(switch (answer.status()) {
						case 201 -> LINK;
						case 429 -> THROTTLED;
						default -> FAILED;
					});
				if (answer.retryAfter() != null) {
					response.header("Retry-After", answer.retryAfter());
				}
				return Mono.just(response.build());
			});
			return answered.doFinally((signal) -> record(replica, call, Event.Kind.END, 0, null, -1, requestId));
		});
	}

	private synchronized Answer nextAnswer() {
		return this.script.apply(this.clock);
	}

	private synchronized int nextCall() {
		return this.calls++;
	}

	private synchronized void record(int replica, int call, Event.Kind kind, int status, @Nullable String retryAfter,
			long admittedAt, @Nullable String requestId) {
		this.events
			.add(new Event(this.nanos.getAsLong(), replica, call, kind, status, retryAfter, admittedAt, requestId));
	}

	/**
	 * Checks the cool-down and probe rules over one replica's calls: no call starts
	 * during a cool-down WorkOS asked for (its {@code Retry-After}, at most
	 * {@code maxCooldown}), and after a 429, until WorkOS answers anything else, one call
	 * at a time. Exact only where a call starts as it passes the cool-down (the local
	 * store on virtual time).
	 */
	static void checkCooldowns(List<Event> events, Duration maxCooldown, Instant epoch) {
		long blockedUntil = Long.MIN_VALUE;
		boolean probeNeeded = false;
		Integer probe = null;
		for (Event event : events) {
			switch (event.kind()) {
				case START -> {
					assertThat(event.nanos()).as("call %d starts after the cool-down", event.call())
						.isGreaterThanOrEqualTo(blockedUntil);
					if (probeNeeded) {
						assertThat(probe).as("call %d probes while call %s still does", event.call(), probe).isNull();
						probe = event.call();
					}
				}
				case ANSWER -> {
					if (event.status() == 429) {
						Duration wait = RetryAfter.parse(event.retryAfter(),
								Clock.fixed(epoch.plusNanos(event.nanos()), ZoneOffset.UTC), Duration.ofSeconds(1));
						wait = (wait.compareTo(maxCooldown) > 0) ? maxCooldown : wait;
						blockedUntil = Math.max(blockedUntil, event.nanos() + wait.toNanos());
						probeNeeded = true;
					}
					else {
						probeNeeded = false;
					}
				}
				default -> {
					if (probe != null && probe == event.call()) {
						probe = null;
					}
				}
			}
		}
	}

	/**
	 * Checks, by the times Redis admitted their permits, that no stretch of
	 * {@code window} saw more than {@code max} calls, that every call had a permit from
	 * Redis, and that every call ended.
	 */
	static void checkAdmissions(List<Event> events, Duration window, int max) {
		List<Event> starts = events.stream().filter((event) -> event.kind() == Event.Kind.START).toList();
		assertThat(starts).as("every call had a permit from Redis").allMatch((event) -> event.admittedAt() >= 0);
		assertThat(events.stream().filter((event) -> event.kind() == Event.Kind.END)).as("every call ended")
			.hasSize(starts.size());
		List<Long> admitted = starts.stream().map(Event::admittedAt).sorted().toList();
		for (int first = 0, last = 0; last < admitted.size(); last++) {
			while (admitted.get(last) - admitted.get(first) >= window.toMillis()) {
				first++;
			}
			assertThat(last - first + 1).as("calls admitted by Redis within one %s", window).isLessThanOrEqualTo(max);
		}
	}

	/**
	 * Checks that no stretch of {@code window} sees more than {@code max} calls start,
	 * and that every call ended.
	 */
	static void checkWindows(List<Event> events, Duration window, int max) {
		List<Long> starts = events.stream()
			.filter((event) -> event.kind() == Event.Kind.START)
			.map(Event::nanos)
			.sorted()
			.toList();
		long ends = events.stream().filter((event) -> event.kind() == Event.Kind.END).count();
		assertThat(ends).as("every call ended").isEqualTo(starts.size());
		for (int first = 0, last = 0; last < starts.size(); last++) {
			while (starts.get(last) - starts.get(first) >= window.toNanos()) {
				first++;
			}
			assertThat(last - first + 1).as("calls within one %s", window).isLessThanOrEqualTo(max);
		}
	}

}
