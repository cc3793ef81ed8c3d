/**
 * portal-gateway: an internal reactive gateway in front of the WorkOS Admin Portal API.
 */
@NullMarked
package dev.portalgateway;

import org.jspecify.annotations.NullMarked;
