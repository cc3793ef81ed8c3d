/**
 * The only code that talks to WorkOS: client, properties, API key, error mapping.
 */
@NullMarked
package dev.portalgateway.workos;

import org.jspecify.annotations.NullMarked;
