package dev.portalgateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.lettuce.core.api.sync.RedisCommands;

/**
 * A Redis Cluster for tests, on free ports: three masters, each with one replica, every
 * node a {@link RedisProcess} of its own ({@code cluster-enabled yes}, a node timeout of
 * 1 s). The nodes are joined with {@code CLUSTER MEET}, the slots split in three with
 * {@code CLUSTER ADDSLOTS}, and each replica attached with {@code CLUSTER REPLICATE}, as
 * {@code redis-cli --cluster create} would.
 */
public final class TestRedisCluster implements AutoCloseable {

	private static final int SLOTS = 16384;

	private final List<RedisProcess> masters = new ArrayList<>();

	private final List<RedisProcess> replicas = new ArrayList<>();

	private TestRedisCluster(RedisProcess.Setup setup) {
		for (int i = 0; i < 6; i++) {
			RedisProcess node = RedisProcess.start(setup, false, "cluster-enabled yes",
					"cluster-config-file nodes.conf", "cluster-node-timeout 1000",
					(setup.tls() != null) ? "tls-cluster yes" : "");
			((i < 3) ? this.masters : this.replicas).add(node);
		}
		RedisCommands<String, String> first = this.masters.get(0).commands();
		for (RedisProcess node : nodes()) {
			first.clusterMeet("127.0.0.1", node.port());
		}
		for (int i = 0; i < 3; i++) {
			int from = i * SLOTS / 3;
			int to = (i + 1) * SLOTS / 3;
			this.masters.get(i).commands().clusterAddSlots(IntStream.range(from, to).toArray());
		}
		for (RedisProcess node : nodes()) {
			Poll.until(Duration.ofSeconds(10), () -> node.commands().clusterNodes().lines().count() == 6,
					() -> "The nodes did not meet:\n" + logs());
		}
		for (int i = 0; i < 3; i++) {
			String master = this.masters.get(i).commands().clusterMyId();
			this.replicas.get(i).commands().clusterReplicate(master);
		}
		for (RedisProcess node : nodes()) {
			Poll.until(Duration.ofSeconds(15), () -> node.commands().clusterInfo().contains("cluster_state:ok"),
					() -> "The cluster did not come up:\n" + logs());
		}
		for (RedisProcess replica : this.replicas) {
			Poll.until(Duration.ofSeconds(15),
					() -> replica.commands().info("replication").contains("master_link_status:up"),
					() -> "A replica did not sync:\n" + logs());
		}
	}

	public static TestRedisCluster start() {
		return new TestRedisCluster(RedisProcess.Setup.PLAIN);
	}

	/**
	 * Every node secured as {@code setup} says (TLS to clients and on the bus, ACL
	 * users).
	 */
	public static TestRedisCluster start(RedisProcess.Setup setup) {
		return new TestRedisCluster(setup);
	}

	/**
	 * Every node, masters first, as {@code spring.data.redis.cluster.nodes} takes them.
	 */
	public String nodesProperty() {
		return this.masters.stream().map(RedisProcess::address).collect(Collectors.joining(","));
	}

	public List<RedisProcess> masters() {
		return this.masters;
	}

	/** The replica of the {@code i}th master. */
	public RedisProcess replicaOf(int master) {
		return this.replicas.get(master);
	}

	private List<RedisProcess> nodes() {
		List<RedisProcess> nodes = new ArrayList<>(this.masters);
		nodes.addAll(this.replicas);
		return nodes;
	}

	/**
	 * Moves the slot of {@code key} (and its keys) to another master, as resharding does:
	 * {@code IMPORTING} and {@code MIGRATING}, {@code MIGRATE} of each key, then
	 * {@code SETSLOT NODE} on every master. Clients that still send the slot's commands
	 * to the old owner get {@code ASK} during the move and {@code MOVED} after it.
	 * Returns the new owner.
	 */
	public RedisProcess moveSlotOf(String key) {
		int slot = io.lettuce.core.cluster.SlotHash.getSlot(key);
		RedisProcess from = this.masters.stream()
			.filter((master) -> master.commands().clusterCountKeysInSlot(slot) > 0)
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("No master holds slot " + slot));
		RedisProcess to = this.masters.stream().filter((master) -> master != from).findFirst().orElseThrow();
		String fromId = from.commands().clusterMyId();
		String toId = to.commands().clusterMyId();
		to.commands().clusterSetSlotImporting(slot, fromId);
		from.commands().clusterSetSlotMigrating(slot, toId);
		List<String> keys = from.commands().clusterGetKeysInSlot(slot, 1000);
		from.commands().migrate("127.0.0.1", to.port(), 0, 5000, io.lettuce.core.MigrateArgs.Builder.keys(keys));
		for (RedisProcess master : this.masters) {
			master.commands().clusterSetSlotNode(slot, toId);
		}
		return to;
	}

	/** What the nodes wrote, for a failing test's message. */
	public String logs() {
		StringBuilder logs = new StringBuilder();
		for (RedisProcess node : nodes()) {
			logs.append("--- node ").append(node.port()).append('\n').append(node.log());
		}
		return logs.toString();
	}

	@Override
	public void close() {
		nodes().forEach(RedisProcess::close);
	}

}
