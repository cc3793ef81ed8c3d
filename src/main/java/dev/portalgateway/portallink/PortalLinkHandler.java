package dev.portalgateway.portallink;

import java.time.temporal.ChronoUnit;
import java.util.Objects;

import dev.portalgateway.ratelimit.Operation;
import dev.portalgateway.ratelimit.QuotaSnapshot;
import dev.portalgateway.ratelimit.UpstreamQuotas;
import dev.portalgateway.system.JsonAnswers;
import dev.portalgateway.workos.GenerateLinkCommand;
import dev.portalgateway.workos.GeneratedLink;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Handles {@code POST /v1/portal-links}: the shared {@link PortalLinks} path, answered in
 * the gateway's own format.
 */
@Component
class PortalLinkHandler {

	private final PortalLinks links;

	private final UpstreamQuotas quotas;

	private final JsonMapper mapper;

	PortalLinkHandler(PortalLinks links, UpstreamQuotas quotas, JsonMapper mapper) {
		this.links = links;
		this.quotas = quotas;
		this.mapper = mapper;
	}

	Mono<ServerResponse> create(ServerRequest request) {
		return this.quotas.observed(Operation.PORTAL_LINKS, this.links.issue(request, PortalLinks.Format.GATEWAY),
				this::created);
	}

	private Mono<ServerResponse> created(PortalLinks.Issued issued, QuotaSnapshot quota) {
		GenerateLinkCommand command = issued.command();
		GeneratedLink link = issued.link();
		PortalLinkResponse body = new PortalLinkResponse(link.link(),
				link.expiresAt().truncatedTo(ChronoUnit.SECONDS).toString(), command.organization(),
				Objects.requireNonNull(command.intent(), "the gateway's format requires an intent").value());
		return JsonAnswers.noStore(HttpStatus.CREATED, quota::addTo, this.mapper.writeValueAsBytes(body));
	}

}
