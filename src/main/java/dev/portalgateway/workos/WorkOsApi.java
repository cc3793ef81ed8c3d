package dev.portalgateway.workos;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * WorkOS's wire format, written: the paths and headers of the Admin Portal API (which the
 * compat API serves under the same names) and the body of a link request.
 * {@link WorkOsAnswers} reads the answers.
 */
public final class WorkOsApi {

	/** Generates an Admin Portal link. */
	public static final String GENERATE_LINK_PATH = "/portal/generate_link";

	/** The provider icon list (a path only the original request describes). */
	public static final String PROVIDER_ICONS_PATH = "/portal/provider_icons";

	/** The key that makes a retried link request one request to WorkOS. */
	public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

	private WorkOsApi() {
	}

	/**
	 * The body of {@code POST /portal/generate_link}, snake_case and without null fields.
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record GenerateLinkBody(String organization, @Nullable String intent,
			@JsonProperty("return_url") @Nullable String returnUrl,
			@JsonProperty("success_url") @Nullable String successUrl,
			@JsonProperty("intent_options") @Nullable JsonNode intentOptions,
			@JsonProperty("it_contact_emails") @Nullable List<String> itContactEmails) {

		static GenerateLinkBody of(GenerateLinkCommand command) {
			return new GenerateLinkBody(command.organization(),
					(command.intent() != null) ? command.intent().value() : null,
					(command.returnUrl() != null) ? command.returnUrl().toString() : null,
					(command.successUrl() != null) ? command.successUrl().toString() : null, command.intentOptions(),
					command.itContactEmails());
		}

	}

}
