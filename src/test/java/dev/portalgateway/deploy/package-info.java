/**
 * Tests of what ships besides the code: the Helm chart, the Dockerfile, the packaged jar.
 */
@NullMarked
package dev.portalgateway.deploy;

import org.jspecify.annotations.NullMarked;
