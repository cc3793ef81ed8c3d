package dev.portalgateway.system;

import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Answers on the hot paths (cached icons, issued links) whose body is JSON already made:
 * the headers go straight into the server's response and the bytes are written as they
 * are.
 * <p>
 * Why not {@code ServerResponse.ok().headers(...).bodyValue(...)}? That builder keeps its
 * own header map, copied into the server's at commit, and {@code bodyValue} looks up a
 * codec and encodes per request; together a tenth of a cached icon's CPU and a twentieth
 * of a link's in the profiles of {@code bench/RESULTS.md}. The answer is the same bytes
 * and headers, which the handlers' tests check.
 */
public final class JsonAnswers {

	/** For {@link #noStore} when the answer has no headers of its own. */
	public static final Consumer<HttpHeaders> NO_HEADERS = (headers) -> {
	};

	private static final String JSON = MediaType.APPLICATION_JSON_VALUE;

	private static final String NO_STORE = CacheControl.noStore().getHeaderValue();

	private JsonAnswers() {
	}

	/**
	 * An answer no cache may keep ({@code Cache-Control: no-store}): an issued link, in
	 * either format.
	 * @param status the status
	 * @param headers sets the answer's other headers
	 * @param json the body, already JSON
	 * @return the answer
	 */
	public static Mono<ServerResponse> noStore(HttpStatusCode status, Consumer<HttpHeaders> headers, byte[] json) {
		return of(status, (target) -> {
			target.set(HttpHeaders.CACHE_CONTROL, NO_STORE);
			headers.accept(target);
		}, json);
	}

	/**
	 * An answer with {@code status}, the headers {@code headers} sets and, unless null,
	 * {@code json} as an {@code application/json} body.
	 * @param status the status
	 * @param headers sets the answer's headers (other than the body's type and length)
	 * @param json the body, already JSON, or null for none (a 304)
	 * @return the answer
	 */
	public static Mono<ServerResponse> of(HttpStatusCode status, Consumer<HttpHeaders> headers,
			byte @Nullable [] json) {
		return ServerResponse.status(status).build((exchange, context) -> {
			ServerHttpResponse response = exchange.getResponse();
			HttpHeaders target = response.getHeaders();
			headers.accept(target);
			if (json == null) {
				return response.setComplete();
			}
			target.set(HttpHeaders.CONTENT_TYPE, JSON);
			target.setContentLength(json.length);
			return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(json)));
		});
	}

}
