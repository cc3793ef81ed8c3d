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
