package dev.portalgateway.workos;

import dev.portalgateway.portal.Intent;
import java.net.URI;
import java.util.List;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/**
 * A validated, authorized request for an Admin Portal link, ready to send to WorkOS.
 *
 * @param organization the WorkOS organization id, {@code org_…}
 * @param intent the portal section to open; null (WorkOS's API only) opens every section
 * @param returnUrl where the portal's "back" link leads, if not the dashboard default
 * @param successUrl where the portal leads after a successful setup
 * @param intentOptions WorkOS's {@code intent_options}, forwarded as given
 * @param itContactEmails IT contacts WorkOS may notify, at most 20
 */
public record GenerateLinkCommand(String organization, @Nullable Intent intent, @Nullable URI returnUrl,
		@Nullable URI successUrl, @Nullable ObjectNode intentOptions, @Nullable List<String> itContactEmails) {
}
