package dev.portalgateway.ratelimit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A TCP relay in front of a local server, for connections that go silent. It can
 * <em>freeze</em> the connections open now (their bytes are read and dropped both ways
 * while the sockets stay open: a peer that vanished without a word, which TCP notices
 * only after many minutes) and <em>hold</em> new ones (accepted, nothing relayed until
 * released: a connect that takes long). Plain blocking sockets on threads of its own.
 */
final class SilentRelay implements AutoCloseable {

	private final ServerSocket server;

	private final int target;

	private final List<Link> links = new CopyOnWriteArrayList<>();

	private volatile CountDownLatch held = new CountDownLatch(0);

	private SilentRelay(int target) throws IOException {
		this.target = target;
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		start("silent-relay-accept", this::accept);
	}

	/** A relay to the server listening on this port of the loopback address. */
	static SilentRelay to(int port) throws IOException {
		return new SilentRelay(port);
	}

	int port() {
		return this.server.getLocalPort();
	}

	/** From now on, the connections open now relay nothing (new ones still do). */
	void freezeOpenLinks() {
		this.links.forEach((link) -> link.frozen = true);
	}

	/** New connections wait, relaying nothing, until {@link #release}. */
	void hold() {
		this.held = new CountDownLatch(1);
	}

	void release() {
		this.held.countDown();
	}

	/** Connections the client has not closed. */
	long open() {
		return this.links.stream().filter((link) -> !link.closed).count();
	}

	/** Frozen connections the client has not closed. */
	long openFrozen() {
		return this.links.stream().filter((link) -> link.frozen && !link.closed).count();
	}

	/** Connections accepted so far, open or closed. */
	int accepted() {
		return this.links.size();
	}

	@Override
	public void close() throws IOException {
		release();
		this.server.close();
		for (Link link : this.links) {
			link.close();
		}
	}

	private void accept() {
		while (!this.server.isClosed()) {
			try {
				Link link = new Link(this.server.accept(), this.held);
				this.links.add(link);
				start("silent-relay-link", link::relay);
			}
			catch (IOException ex) {
				return;
			}
		}
	}

	private static void start(String name, Runnable work) {
		Thread thread = new Thread(work, name);
		thread.setDaemon(true);
		thread.start();
	}

	private static void closeQuietly(Socket socket) {
		try {
			socket.close();
		}
		catch (IOException ex) {
			// Closed already.
		}
	}

	private final class Link {

		private final Socket client;

		private final CountDownLatch held;

		private volatile Socket server;

		volatile boolean frozen;

		volatile boolean closed;

		Link(Socket client, CountDownLatch held) {
			this.client = client;
			this.held = held;
		}

		void relay() {
			try {
				this.held.await();
				this.server = new Socket(InetAddress.getLoopbackAddress(), SilentRelay.this.target);
				start("silent-relay-back", () -> pump(this.server, this.client));
				pump(this.client, this.server);
			}
			catch (IOException ex) {
				close();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				close();
			}
		}

		/**
		 * Copies {@code from} to {@code to} (drops it while frozen) until either ends.
		 */
		private void pump(Socket from, Socket to) {
			byte[] buffer = new byte[8192];
			try (InputStream in = from.getInputStream()) {
				OutputStream out = to.getOutputStream();
				for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
					if (!this.frozen) {
						out.write(buffer, 0, read);
						out.flush();
					}
				}
			}
			catch (IOException ex) {
				// Either side closed: the link ends.
			}
			close();
		}

		void close() {
			this.closed = true;
			closeQuietly(this.client);
			if (this.server != null) {
				closeQuietly(this.server);
			}
		}

	}

}
