package dev.portalgateway.providericon;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.GatewayProblem.FieldError;
import dev.portalgateway.system.JsonAnswers;
import dev.portalgateway.system.ProblemCode;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Handles {@code GET /v1/provider-icons} (optionally {@code ?provider=}) and {@code GET
 * /v1/provider-icons/{provider}}, answered from the {@link IconCatalog} with ETag/304,
 * {@code Cache-Control} and {@code Age}.
 */
public class ProviderIconHandler {

	private static final Pattern PROVIDER = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

	private final IconCatalog catalog;

	private final JsonMapper mapper;

	private final String cacheControl;

	ProviderIconHandler(IconCatalog catalog, JsonMapper mapper, IconProperties properties) {
		this.catalog = catalog;
		this.mapper = mapper;
		// Callers may reuse the list as long as we would, and fall back on it as long as
		// we do.
		long fresh = properties.refreshAfter().toSeconds();
		this.cacheControl = "max-age=" + fresh + ", stale-while-revalidate=" + fresh + ", stale-if-error="
				+ properties.maxStale().toSeconds();
	}

	/**
	 * The icon list (or one provider's icons with {@code ?provider=}) as WorkOS's
	 * {@code [{"provider", "icon_url"}]}, from the cache.
	 */
	public Mono<ServerResponse> list(ServerRequest request) {
		Optional<String> provider = provider(request);
		provider.ifPresent(ProviderIconHandler::requireWellFormed);
		return this.catalog.icons().flatMap((icons) -> {
			if (provider.isEmpty()) {
				return answer(request, icons, icons.json(), icons.etag());
			}
			byte[] json = this.mapper.writeValueAsBytes(icons.of(provider.get()));
			return answer(request, icons, json, IconList.etagOf(json));
		});
	}

	Mono<ServerResponse> one(ServerRequest request) {
		String provider = request.pathVariable("provider");
		requireWellFormed(provider);
		return this.catalog.icons().flatMap((icons) -> {
			List<ProviderIcon> matches = icons.of(provider);
			if (matches.isEmpty()) {
				return Mono
					.error(new GatewayProblem(ProblemCode.ICON_NOT_FOUND, "There is no icon for this provider."));
			}
			byte[] json = this.mapper.writeValueAsBytes(matches.get(0));
			return answer(request, icons, json, IconList.etagOf(json));
		});
	}

	private Mono<ServerResponse> answer(ServerRequest request, IconList icons, byte[] json, String etag) {
		Duration age = this.catalog.age(icons);
		boolean unchanged = request.headers()
			.header(HttpHeaders.IF_NONE_MATCH)
			.stream()
			.flatMap((value) -> List.of(value.split(",")).stream())
			.map(String::strip)
			.anyMatch((candidate) -> candidate.equals(etag) || candidate.equals("W/" + etag) || candidate.equals("*"));
		long ageSeconds = age.toSeconds();
		return JsonAnswers.of(unchanged ? HttpStatus.NOT_MODIFIED : HttpStatus.OK, (headers) -> {
			headers.set(HttpHeaders.ETAG, etag);
			headers.set(HttpHeaders.CACHE_CONTROL, this.cacheControl);
			headers.set(HttpHeaders.AGE, Long.toString(ageSeconds));
		}, unchanged ? null : json);
	}

	/**
	 * {@code ?provider=}, if given; given twice, the request is refused rather than one
	 * of the two answered ({@code ?provider=} without a value is the empty name, refused
	 * as not well formed).
	 */
	private static Optional<String> provider(ServerRequest request) {
		List<String> values = request.queryParams().getOrDefault("provider", List.of());
		if (values.size() > 1) {
			throw new GatewayProblem(ProblemCode.INVALID_REQUEST, "The provider parameter is given more than once.")
				.withErrors(List.of(new FieldError("provider", "must be given at most once")));
		}
		return values.isEmpty() ? Optional.empty() : Optional.of(Objects.requireNonNullElse(values.get(0), ""));
	}

	private static void requireWellFormed(String provider) {
		if (!PROVIDER.matcher(provider).matches()) {
			throw new GatewayProblem(ProblemCode.INVALID_REQUEST, "Invalid provider name.")
				.withErrors(List.of(new FieldError("provider", "must be 1-64 letters, digits, '.', '_' or '-'")));
		}
	}

}
