/**
 * GET /v1/provider-icons: routing, the handler, and the icon catalog (a Caffeine cache).
 */
@NullMarked
package dev.portalgateway.providericon;

import org.jspecify.annotations.NullMarked;
