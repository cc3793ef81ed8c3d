package dev.portalgateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A self-signed certificate for {@code localhost} and {@code 127.0.0.1}, made with the
 * JDK's {@code keytool}: a PKCS#12 key store for a TLS server (WireMock's HTTPS port),
 * the same key as PEM (for Redis), and the certificate as PEM, for a client to trust as
 * its one CA. The JVM trusts neither.
 */
public final class TlsCertificates {

	public static final String PASSWORD = "changeit-test-only";

	private final Path keyStore;

	private final Path certificate;

	private TlsCertificates(Path keyStore, Path certificate) {
		this.keyStore = keyStore;
		this.certificate = certificate;
	}

	public static TlsCertificates forLocalhost() {
		try {
			Path dir = Files.createTempDirectory("tls-");
			dir.toFile().deleteOnExit();
			Path keyStore = dir.resolve("server.p12");
			Path certificate = dir.resolve("ca.crt");
			keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
					"CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
					"-keystore", keyStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
			keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", keyStore.toString(), "-storepass", PASSWORD,
					"-file", certificate.toString());
			keyStore.toFile().deleteOnExit();
			certificate.toFile().deleteOnExit();
			return new TlsCertificates(keyStore, certificate);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public Path keyStore() {
		return this.keyStore;
	}

	/** The certificate, PEM: the server's, and the one CA a client trusts. */
	public Path certificate() {
		return this.certificate;
	}

	/** The private key, PEM (PKCS#8), next to the key store; written on first use. */
	public synchronized Path privateKey() {
		Path pem = this.keyStore.resolveSibling("server.key");
		if (!Files.exists(pem)) {
			try (java.io.InputStream in = Files.newInputStream(this.keyStore)) {
				java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
				store.load(in, PASSWORD.toCharArray());
				byte[] key = store.getKey("server", PASSWORD.toCharArray()).getEncoded();
				Files.writeString(pem,
						"-----BEGIN PRIVATE KEY-----\n"
								+ java.util.Base64.getMimeEncoder(64, new byte[] { '\n' }).encodeToString(key)
								+ "\n-----END PRIVATE KEY-----\n");
				pem.toFile().deleteOnExit();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			catch (java.security.GeneralSecurityException ex) {
				throw new IllegalStateException(ex);
			}
		}
		return pem;
	}

	private static void keytool(String... args) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
		command.addAll(List.of(args));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes());
		try {
			if (process.waitFor() != 0) {
				throw new IOException("keytool failed: " + output);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException(ex);
		}
	}

}
