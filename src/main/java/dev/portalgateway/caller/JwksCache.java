package dev.portalgateway.caller;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import com.github.benmanes.caffeine.cache.Ticker;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The issuer's public keys, downloaded from its JWKS URI and kept in memory.
 * <p>
 * Spring Security's own remote JWK source downloads again for every token naming an
 * unknown {@code kid} and never otherwise, so forged {@code kid}s turn into a flood of
 * downloads from the issuer (the API server in Kubernetes) and a key the issuer withdrew
 * stays trusted until restart. This one:
 * <ul>
 * <li>downloads on first use, then again after {@code jwks-max-age};</li>
 * <li>downloads again for an unknown {@code kid} (a rotated-in key), at most once per
 * {@code jwks-refresh-min-interval};</li>
 * <li>has at most one download in flight, shared by every token waiting for it;</li>
 * <li>keeps using the keys it has when a refresh fails, and says so in the log and in
 * {@code gateway.auth.jwks.downloads{outcome=failure}}, but for no longer than
 * {@code jwks-max-stale} after they were downloaded: a key the issuer withdrew must not
 * be trusted for ever because its JWKS endpoint is down. With no keys it may trust,
 * tokens cannot be verified and callers get 503 {@code auth_unavailable}.</li>
 * <li>gives a token without a {@code kid} the one key of the set that could verify it, or
 * none (the token is refused) when there are several: such a token would otherwise cost a
 * signature check per key, and Kubernetes' tokens always name their key.</li>
 * </ul>
 * Only public keys are kept: a symmetric ({@code oct}) key in the set is dropped, so it
 * can never verify an HMAC token.
 */
final class JwksCache implements JwtVerifier.Keys {

	private static final Log logger = LogFactory.getLog(JwksCache.class);

	/** A JWKS holds a few keys; anything larger is not one. */
	private static final int MAX_BYTES = 256 * 1024;

	private final WebClient client;

	private final URI uri;

	private final @Nullable Path tokenFile;

	private final Duration minRefreshInterval;

	private final Duration maxAge;

	private final Duration maxStale;

	private final Duration timeout;

	private final Ticker ticker;

	private final AtomicReference<@Nullable Keys> keys = new AtomicReference<>();

	private final AtomicReference<@Nullable Mono<Keys>> download = new AtomicReference<>();

	/** When the last download started (nano time), successful or not. */
	private volatile long lastAttempt;

	private volatile boolean attempted;

	private final Counter successes;

	private final Counter failures;

	JwksCache(WebClient client, JwtProperties properties, Ticker ticker, MeterRegistry meters) {
		this.client = client.mutate().codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(MAX_BYTES)).build();
		this.uri = Objects.requireNonNull(properties.jwksUri());
		this.tokenFile = properties.jwksTokenFile();
		this.minRefreshInterval = properties.jwksRefreshMinInterval();
		this.maxAge = properties.jwksMaxAge();
		this.maxStale = properties.jwksMaxStale();
		this.timeout = properties.jwksTimeout();
		this.ticker = ticker;
		this.successes = downloads(meters, "success");
		this.failures = downloads(meters, "failure");
	}

	private static Counter downloads(MeterRegistry meters, String outcome) {
		return Counter.builder("gateway.auth.jwks.downloads")
			.description("Downloads of the JWT issuer's public keys (JWKS)")
			.tag("outcome", outcome)
			.register(meters);
	}

	/**
	 * The keys that may have signed this token: the whole current set (the decoder picks
	 * by {@code kid} and algorithm), fresh enough and, if the token names a key not in
	 * it, downloaded again unless that was done very recently.
	 */
	@Override
	public Flux<JWK> keysFor(SignedJWT token) {
		JWSHeader header = token.getHeader();
		Flux<JWK> keys = current(header.getKeyID()).flatMapIterable(Keys::list);
		if (header.getKeyID() != null) {
			return keys;
		}
		JWKMatcher mayVerify = JWKMatcher.forJWSHeader(header);
		return keys.filter(mayVerify::matches)
			.collectList()
			.flatMapIterable((candidates) -> (candidates.size() == 1) ? candidates : List.of());
	}

	/**
	 * Whether the keys in hand may still be trusted: downloaded, and no longer ago than
	 * {@code jwks-max-stale}. Tokens verified with them are remembered only while this
	 * holds.
	 */
	@Override
	public boolean trusted() {
		Keys known = this.keys.get();
		return known != null && !tooStale(known, this.ticker.read());
	}

	private boolean tooStale(Keys keys, long now) {
		return now - keys.downloadedAt() >= this.maxStale.toNanos();
	}

	private Mono<Keys> current(@Nullable String kid) {
		long now = this.ticker.read();
		Keys known = this.keys.get();
		if (known != null && tooStale(known, now)) {
			known = null;
		}
		boolean mayDownload = this.download.get() != null || !this.attempted
				|| now - this.lastAttempt >= this.minRefreshInterval.toNanos();
		if (known == null) {
			// Nothing to fall back on: without keys no token can be verified.
			return mayDownload ? download()
					: Mono.error(new IllegalStateException("No JWKS it may trust and the last download failed"));
		}
		boolean stale = now - known.downloadedAt() >= this.maxAge.toNanos();
		boolean unknownKid = kid != null && known.set().getKeyByKeyId(kid) == null;
		if ((stale || unknownKid) && mayDownload) {
			return download().onErrorReturn(known);
		}
		return Mono.just(known);
	}

	/** The download in flight, or a new one. */
	private Mono<Keys> download() {
		while (true) {
			Mono<Keys> running = this.download.get();
			if (running != null) {
				return running;
			}
			AtomicReference<@Nullable Mono<Keys>> self = new AtomicReference<>();
			Mono<Keys> created = Mono.defer(this::fetch)
				.doOnNext(this.keys::set)
				.doOnNext((fetched) -> this.successes.increment())
				.doOnError(this::failed)
				.doFinally((signal) -> this.download.compareAndSet(self.get(), null))
				.cache();
			self.set(created);
			if (this.download.compareAndSet(null, created)) {
				this.lastAttempt = this.ticker.read();
				this.attempted = true;
				return created;
			}
		}
	}

	private Mono<Keys> fetch() {
		return bearerToken().map(Optional::of)
			.defaultIfEmpty(Optional.empty())
			.flatMap((token) -> this.client.get()
				.uri(this.uri)
				.accept(MediaType.parseMediaType("application/jwk-set+json"), MediaType.APPLICATION_JSON)
				.headers((headers) -> token.ifPresent(headers::setBearerAuth))
				.retrieve()
				.bodyToMono(String.class)
				.timeout(this.timeout))
			.map(this::parse);
	}

	/** The token file is read for every download: Kubernetes rotates it. */
	private Mono<String> bearerToken() {
		Path file = this.tokenFile;
		if (file == null) {
			return Mono.empty();
		}
		return Mono.fromCallable(() -> Files.readString(file, StandardCharsets.UTF_8).strip())
			.subscribeOn(Schedulers.boundedElastic())
			.filter((token) -> !token.isEmpty());
	}

	private Keys parse(String body) {
		try {
			List<JWK> publicKeys = JWKSet.parse(body).toPublicJWKSet().getKeys();
			return new Keys(new JWKSet(publicKeys), this.ticker.read());
		}
		catch (ParseException ex) {
			throw new IllegalStateException("The JWKS is not a valid JWK set", ex);
		}
	}

	private void failed(Throwable failure) {
		this.failures.increment();
		// The URI is configuration, not a secret; the token file's content never appears.
		logger.warn("Could not download the JWT issuer's keys from " + this.uri + ": " + describe(failure)
				+ (trusted() ? " (still using the keys downloaded before, for at most jwks-max-stale)" : ""));
	}

	private static String describe(Throwable failure) {
		return failure.getClass().getSimpleName()
				+ ((failure.getMessage() != null) ? ": " + failure.getMessage().lines().findFirst().orElse("") : "");
	}

	private record Keys(JWKSet set, long downloadedAt) {

		List<JWK> list() {
			return this.set.getKeys();
		}

	}

}
