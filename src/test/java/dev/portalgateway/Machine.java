package dev.portalgateway;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What tests need from the machine they run on: a free TCP port, and programs on the
 * {@code PATH} (Redis, Prometheus), whose absence a test reports by the Debian package
 * that has them.
 */
public final class Machine {

	private Machine() {
	}

	/** A TCP port free now (another process may take it before it is used). */
	public static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * A free port whose Redis Cluster bus port ({@code port + 10000}) is free too: a
	 * cluster node listens on both.
	 */
	public static int freePortWithClusterBus() {
		for (int attempt = 0; attempt < 100; attempt++) {
			int port = freePort();
			if (port + 10000 <= 65535 && isFree(port + 10000)) {
				return port;
			}
		}
		throw new IllegalStateException("No free port pair for a Redis Cluster node");
	}

	private static boolean isFree(int port) {
		try (ServerSocket socket = new ServerSocket(port)) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	/** The executable {@code name} on the {@code PATH}, if there is one. */
	public static Optional<Path> onPath(String name) {
		String path = System.getenv("PATH");
		if (path == null) {
			return Optional.empty();
		}
		for (String dir : path.split(File.pathSeparator)) {
			Path candidate = Path.of(dir, name);
			if (Files.isExecutable(candidate)) {
				return Optional.of(candidate);
			}
		}
		return Optional.empty();
	}

}
