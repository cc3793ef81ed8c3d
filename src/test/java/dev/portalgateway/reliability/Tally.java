package dev.portalgateway.reliability;

import java.util.List;
import java.util.Locale;

import dev.portalgateway.TestCallers;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * What a scenario sent and got back.
 *
 * @param sent requests sent
 * @param answers one per answered request (a status of 0 is a transport failure)
 */
record Tally(int sent, List<Answer> answers) {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	long count(int from, int to) {
		return this.answers.stream().filter((answer) -> answer.status() >= from && answer.status() <= to).count();
	}

	long status(int status) {
		return count(status, status);
	}

	/** 429s without an integer Retry-After of at least one second. */
	long unexplained429s() {
		return this.answers.stream().filter((answer) -> answer.status() == 429).filter((answer) -> {
			String retryAfter = answer.retryAfter();
			return retryAfter == null || !retryAfter.matches("[1-9][0-9]*");
		}).count();
	}

	/**
	 * The line the README's figures come from:
	 * {@code scenario: sent=…, answered=…, 2xx=…, 429=…, 5xx=…, upstream=…}.
	 */
	String line(String scenario, int upstream) {
		return String.format(Locale.ROOT, "%s: sent=%d, answered=%d, 2xx=%d, 429=%d, 5xx=%d, upstream=%d", scenario,
				this.sent, count(100, 599), count(200, 299), status(429), count(500, 599), upstream);
	}

	/**
	 * One link request as the billing caller, read into an {@link Answer} (a transport
	 * failure is status 0, named by its exception).
	 */
	static Mono<Answer> requestLink(WebClient client) {
		return client.post()
			.uri("/v1/portal-links")
			.headers((headers) -> headers.setBearerAuth(TestCallers.BILLING_TOKEN))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"organization\":\"org_01H1234567890ABCDEFGHIJK\",\"intent\":\"sso\"}")
			.exchangeToMono((response) -> response.bodyToMono(byte[].class)
				.defaultIfEmpty(new byte[0])
				.map((bytes) -> new Answer(response.statusCode().value(),
						response.headers().asHttpHeaders().getFirst("Retry-After"), code(bytes))))
			.onErrorResume((failure) -> Mono.just(new Answer(0, null, failure.getClass().getSimpleName())));
	}

	private static @Nullable String code(byte[] body) {
		try {
			JsonNode node = JSON.readTree(body);
			return (node != null && node.has("code")) ? node.get("code").stringValue() : null;
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	/**
	 * One answer.
	 *
	 * @param status the HTTP status, 0 when the request failed without one
	 * @param retryAfter the Retry-After header, if any
	 * @param code the problem code, if any
	 */
	record Answer(int status, @Nullable String retryAfter, @Nullable String code) {
	}

}
