/**
 * The reliability suite: load and faults against a full gateway, each scenario asserting
 * its figures and printing them as one line.
 */
@NullMarked
package dev.portalgateway.reliability;

import org.jspecify.annotations.NullMarked;
