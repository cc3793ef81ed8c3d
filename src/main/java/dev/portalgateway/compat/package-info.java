/**
 * WorkOS's own API on the gateway ({@code POST /portal/generate_link}, the icon list), so
 * services using an official WorkOS SDK move behind the gateway by changing its base URL
 * and API key. A thin edge: the same path as {@code /v1}, another wire format.
 */
@NullMarked
package dev.portalgateway.compat;

import org.jspecify.annotations.NullMarked;
