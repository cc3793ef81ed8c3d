/**
 * POST /v1/portal-links: routing, request parsing and validation, the handler.
 */
@NullMarked
package dev.portalgateway.portallink;

import org.jspecify.annotations.NullMarked;
