package dev.portalgateway;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.jspecify.annotations.Nullable;
import redis.embedded.core.ExecutableProvider;

/**
 * One {@code redis-server} process (a server or, with {@code --sentinel}, a sentinel) in
 * a directory of its own, with its own config file and its output in a log file there:
 * sentinels and cluster nodes rewrite their config files, so they must not share one, and
 * a test that fails can show what the server said. The binary is the machine's
 * {@code redis-server} when there is one, else the Redis 6.2 binary that embedded-redis
 * ships (it runs in every mode).
 */
public final class RedisProcess implements AutoCloseable {

	private static final Duration READY_WITHIN = Duration.ofSeconds(10);

	private final int port;

	private final Path directory;

	private final List<String> command;

	private Process process;

	private @Nullable TestLettuce client;

	private @Nullable StatefulRedisConnection<String, String> connection;

	private final @Nullable TlsCertificates tls;

	private final Setup setup;

	/**
	 * How a test Redis is secured: TLS only (with this certificate) and/or ACL users (the
	 * {@code default} user off, one user {@link #USER} with {@link #PASSWORD}, which the
	 * replicas and sentinels use too).
	 *
	 * @param tls the certificate, or null for plain TCP
	 * @param acl whether only {@link #USER} may connect
	 */
	public record Setup(@Nullable TlsCertificates tls, boolean acl) {

		public static final Setup PLAIN = new Setup(null, false);

		public static final String USER = "gateway";

		/** Has the characters that break a URL, as cloud Redis auth tokens may. */
		public static final String PASSWORD = "acl-pass#%?@0001";

	}

	private RedisProcess(int port, Path directory, List<String> command, Setup setup) {
		this.port = port;
		this.directory = directory;
		this.command = command;
		this.tls = setup.tls();
		this.setup = setup;
	}

	/** A server on a free port with these extra config lines. */
	public static RedisProcess server(String... config) {
		return start(Setup.PLAIN, false, config);
	}

	/** A sentinel on a free port with these extra config lines. */
	public static RedisProcess sentinel(String... config) {
		return start(Setup.PLAIN, true, config);
	}

	/**
	 * A server ({@code sentinel} false) or sentinel secured as {@code setup} says: TLS to
	 * clients and (as a client) to other servers; ACL users on servers (a sentinel itself
	 * stays open, and logs in to the servers as {@link Setup#USER}).
	 */
	public static RedisProcess start(Setup setup, boolean sentinel, String... config) {
		TlsCertificates tls = setup.tls();
		try {
			int port = List.of(config).contains("cluster-enabled yes") ? Machine.freePortWithClusterBus()
					: Machine.freePort();
			Path directory = Files.createTempDirectory("redis-" + port + "-");
			List<String> lines = new ArrayList<>(
					List.of("bind 127.0.0.1", "daemonize no", "dir " + directory, "logfile \"\""));
			if (tls != null) {
				lines.addAll(List.of("port 0", "tls-port " + port, "tls-cert-file " + tls.certificate(),
						"tls-key-file " + tls.privateKey(), "tls-ca-cert-file " + tls.certificate(),
						"tls-auth-clients no", "tls-replication yes"));
			}
			else {
				lines.add("port " + port);
			}
			if (!sentinel) {
				lines.addAll(List.of("save \"\"", "appendonly no"));
			}
			if (setup.acl() && !sentinel) {
				lines.addAll(
						List.of("user default off", "user " + Setup.USER + " on >" + Setup.PASSWORD + " ~* &* +@all",
								"masteruser " + Setup.USER, "masterauth \"" + Setup.PASSWORD + "\""));
			}
			lines.addAll(List.of(config));
			Path conf = directory.resolve(sentinel ? "sentinel.conf" : "redis.conf");
			Files.write(conf, lines);
			List<String> command = new ArrayList<>(List.of(binary().getAbsolutePath(), conf.toString()));
			if (sentinel) {
				command.add("--sentinel");
			}
			RedisProcess redis = new RedisProcess(port, directory, command, setup);
			redis.restart();
			return redis;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Starts the process (again, after {@link #kill()}) on the same port and config. */
	public void restart() {
		try {
			this.process = new ProcessBuilder(this.command).directory(this.directory.toFile())
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(this.directory.resolve("output.log").toFile()))
				.start();
			awaitReady();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private void awaitReady() {
		Poll.until(READY_WITHIN, () -> {
			if (!this.process.isAlive()) {
				throw new IllegalStateException("redis-server exited:\n" + log());
			}
			return pong();
		}, () -> "redis-server not ready within " + READY_WITHIN.toSeconds() + " s:\n" + log());
	}

	private boolean pong() {
		try (Socket socket = (this.tls != null) ? trustingAll().getSocketFactory().createSocket() : new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 200);
			socket.setSoTimeout(500);
			OutputStream out = socket.getOutputStream();
			boolean login = this.setup.acl() && !this.command.contains("--sentinel");
			if (login) {
				out.write(("*3\r\n$4\r\nAUTH\r\n$" + Setup.USER.length() + "\r\n" + Setup.USER + "\r\n$"
						+ Setup.PASSWORD.length() + "\r\n" + Setup.PASSWORD + "\r\n")
					.getBytes(StandardCharsets.US_ASCII));
			}
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			String expected = (login ? "+OK\r\n" : "") + "+PONG";
			byte[] answer = new byte[expected.length()];
			int read = in.readNBytes(answer, 0, answer.length);
			return new String(answer, 0, read, StandardCharsets.US_ASCII).equals(expected);
		}
		catch (IOException ex) {
			return false;
		}
	}

	public int port() {
		return this.port;
	}

	public String address() {
		return "127.0.0.1:" + this.port;
	}

	/**
	 * Commands on a connection of this test's own (opened on first use, closed with the
	 * process), for looking into the server directly.
	 */
	public RedisCommands<String, String> commands() {
		if (this.client == null) {
			io.lettuce.core.RedisURI.Builder uri = io.lettuce.core.RedisURI.builder()
				.withHost("127.0.0.1")
				.withPort(this.port)
				.withSsl(this.tls != null)
				.withVerifyPeer(false);
			if (this.setup.acl() && !this.command.contains("--sentinel")) {
				uri.withAuthentication(Setup.USER, Setup.PASSWORD);
			}
			this.client = new TestLettuce(uri.build());
			this.connection = this.client.client().connect();
		}
		return java.util.Objects.requireNonNull(this.connection).sync();
	}

	/** What the process has written so far. */
	public String log() {
		try {
			Path output = this.directory.resolve("output.log");
			return Files.exists(output) ? Files.readString(output) : "";
		}
		catch (IOException ex) {
			return "(log unreadable: " + ex + ")";
		}
	}

	/**
	 * Stops the process (SIGSTOP), as a hung node: connections are still accepted,
	 * nothing is answered. {@link #kill} ends it.
	 */
	public void freeze() {
		try {
			Process stop = new ProcessBuilder("kill", "-STOP", Long.toString(this.process.pid())).start();
			if (!stop.waitFor(5, TimeUnit.SECONDS) || stop.exitValue() != 0) {
				throw new IllegalStateException("kill -STOP failed");
			}
		}
		catch (IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** Kills the process at once (SIGKILL), as a crashed node. */
	public void kill() {
		this.process.destroyForcibly();
		try {
			this.process.waitFor(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void close() {
		if (this.client != null) {
			this.client.close();
			this.client = null;
			this.connection = null;
		}
		this.process.destroy();
		try {
			if (!this.process.waitFor(5, TimeUnit.SECONDS)) {
				kill();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			kill();
		}
		delete(this.directory);
	}

	private static void delete(Path directory) {
		try (java.util.stream.Stream<Path> files = Files.walk(directory)) {
			files.sorted(java.util.Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
		}
		catch (IOException ex) {
			// A temporary directory left behind is harmless.
		}
	}

	/**
	 * Options for the tests' own Lettuce clients: TLS contexts draw on the gateway's
	 * seeded generator, as the store's do (the JDK's default would read
	 * {@code /dev/urandom} on Lettuce's event loop, which BlockHound refuses).
	 */
	public static io.lettuce.core.ClientOptions clientOptions() {
		return io.lettuce.core.ClientOptions.builder()
			.sslOptions(io.lettuce.core.SslOptions.builder()
				.jdkSslProvider()
				.sslContext((context) -> context.secureRandom(dev.portalgateway.system.Uuids.generator()))
				.build())
			.build();
	}

	/** A TLS context that trusts any server: for a readiness ping, never for a test. */
	private static javax.net.ssl.SSLContext trustingAll() throws IOException {
		try {
			javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
			context.init(null, new javax.net.ssl.TrustManager[] { new javax.net.ssl.X509TrustManager() {
				@Override
				public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String type) {
				}

				@Override
				public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String type) {
				}

				@Override
				public java.security.cert.X509Certificate[] getAcceptedIssuers() {
					return new java.security.cert.X509Certificate[0];
				}
			} }, null);
			return context;
		}
		catch (java.security.GeneralSecurityException ex) {
			throw new IOException(ex);
		}
	}

	private static @Nullable File binary;

	/**
	 * The {@code redis-server} to run: the machine's, else the one embedded-redis ships,
	 * unpacked once per test JVM (each unpacking is a 9 MB temporary file).
	 */
	public static synchronized File binary() throws IOException {
		if (binary == null) {
			try {
				binary = ExecutableProvider.newExecutableInPath("redis-server").get();
			}
			catch (FileNotFoundException ex) {
				File unpacked = ExecutableProvider.newJarResourceProvider().get();
				unpacked.deleteOnExit();
				unpacked.getParentFile().deleteOnExit();
				binary = unpacked;
			}
		}
		return binary;
	}

}
