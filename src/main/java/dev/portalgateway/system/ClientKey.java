package dev.portalgateway.system;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

import org.jspecify.annotations.Nullable;

/**
 * What a client is counted by, where the gateway counts per client (the failure budget,
 * the lines about refused requests): its address, or its /64 network for IPv6, since one
 * host usually has the whole /64.
 */
public final class ClientKey {

	private ClientKey() {
	}

	/**
	 * The key of a TCP peer; {@code "unknown"} without one.
	 * @param client the peer's address, if known
	 * @return the IPv4 address, the IPv6 /64 network, or {@code "unknown"}
	 */
	public static String of(@Nullable InetSocketAddress client) {
		InetAddress address = (client != null) ? client.getAddress() : null;
		if (address == null) {
			return "unknown";
		}
		if (address instanceof Inet6Address) {
			byte[] bytes = address.getAddress();
			StringBuilder network = new StringBuilder();
			for (int i = 0; i < 8; i += 2) {
				network.append(Integer.toHexString(((bytes[i] & 0xFF) << 8) | (bytes[i + 1] & 0xFF))).append(':');
			}
			return network.append(":/64").toString();
		}
		return address.getHostAddress();
	}

}
