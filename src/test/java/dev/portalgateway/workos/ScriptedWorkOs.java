package dev.portalgateway.workos;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import dev.portalgateway.Seeded;
import dev.portalgateway.WorkOsFixtures;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * WorkOS as a script on virtual time, for simulations of the resilience chain: each call
 * gets the next answer the script draws (201; 429 with a {@code Retry-After} of 0, 1, N
 * seconds, an HTTP-date, none or a huge one; 500, 502, 503, 504; a connection reset; an
 * answer slower than the response timeout), after a drawn latency. Every call is logged
 * as events in the order they happen, for invariants.
 */
final class ScriptedWorkOs implements ExchangeFunction {

	private static final String LINK = WorkOsFixtures.read("generate_link-201.json");

	private static final String THROTTLED = WorkOsFixtures.read("generate_link-429.json");

	private static final String FAILED = WorkOsFixtures.read("generate_link-500.json");

	/** What one call is answered with. */
	record Answer(int status, @Nullable String retryAfter, Duration latency, boolean reset) {

		static Answer created(Duration latency) {
			return new Answer(201, null, latency, false);
		}

	}

	/** One thing that happened at WorkOS, at virtual time {@code nanos}. */
	record Event(long nanos, int call, Kind kind, int status, @Nullable String retryAfter) {

		enum Kind {

			/** The call reached WorkOS. */
			START,
			/** WorkOS answered with {@code status}. */
			ANSWER,
			/** The call is over: answered, reset, timed out or cancelled. */
			END

		}

	}

	private final VirtualTimeScheduler time;

	private final Clock clock;

	private final List<Event> events = new ArrayList<>();

	private int calls;

	private Function<Clock, Answer> script;

	ScriptedWorkOs(VirtualTimeScheduler time, Clock clock, Function<Clock, Answer> script) {
		this.time = time;
		this.clock = clock;
		this.script = script;
	}

	/**
	 * A script drawn from {@code seeded}: a mix of answers weighted per scenario, so some
	 * scenarios are mostly healthy and others mostly throttled or broken.
	 */
	static Function<Clock, Answer> drawn(Seeded seeded) {
		int created = seeded.between(0, 10);
		int throttled = seeded.between(0, 10);
		int failing = seeded.between(0, 6);
		int resets = seeded.between(0, 3);
		int slow = seeded.between(0, 3);
		int total = created + throttled + failing + resets + slow + 1;
		return (clock) -> {
			Duration latency = Duration.ofMillis(seeded.between(1, 400));
			int pick = seeded.between(0, total - 1);
			if ((pick -= created + 1) < 0) {
				return Answer.created(latency);
			}
			if ((pick -= throttled) < 0) {
				String retryAfter = switch (seeded.between(0, 6)) {
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
			if ((pick -= resets) < 0) {
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

	List<Event> events() {
		return this.events;
	}

	long starts() {
		return this.events.stream().filter((event) -> event.kind() == Event.Kind.START).count();
	}

	@Override
	public Mono<ClientResponse> exchange(ClientRequest request) {
		return Mono.defer(() -> {
			int call = this.calls++;
			record(call, Event.Kind.START, 0, null);
			Answer answer = this.script.apply(this.clock);
			Mono<ClientResponse> answered = Mono.delay(answer.latency()).flatMap((tick) -> {
				if (answer.reset()) {
					return Mono.error(new IOException("Connection reset by peer"));
				}
				record(call, Event.Kind.ANSWER, answer.status(), answer.retryAfter());
				ClientResponse.Builder response = ClientResponse.create(HttpStatus.valueOf(answer.status()))
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
			return answered.doFinally((signal) -> record(call, Event.Kind.END, 0, null));
		});
	}

	private void record(int call, Event.Kind kind, int status, @Nullable String retryAfter) {
		this.events.add(new Event(this.time.now(TimeUnit.NANOSECONDS), call, kind, status, retryAfter));
	}

}
