/**
 * The Admin Portal's vocabulary, shared by the callers' permissions ({@code caller}), the
 * link API ({@code portallink}, {@code compat}) and the WorkOS client ({@code workos}):
 * the {@link dev.portalgateway.portal.Intent}s a link opens into. It imports nothing from
 * the gateway, so access control does not depend on the upstream's client.
 */
@NullMarked
package dev.portalgateway.portal;

import org.jspecify.annotations.NullMarked;
