package dev.portalgateway;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Seeded generators for generated tests, and the loop that runs them: each scenario gets
 * a seed of its own, drawn from a master seed that is printed; a failing scenario names
 * its seed, and {@code -Dseed.<name>=<seed>} replays exactly that scenario.
 * {@code -Dseed=<master>} repeats a whole run.
 */
public final class Seeded {

	private final SplittableRandom random;

	private final long seed;

	public Seeded(long seed) {
		this.seed = seed;
		this.random = new SplittableRandom(seed);
	}

	/**
	 * Runs {@code scenario} {@code count} times with fresh seeds, or once with the seed
	 * given as {@code -Dseed.<name>}.
	 */
	public static void check(String name, int count, Consumer<Seeded> scenario) {
		String replay = System.getProperty("seed." + name);
		if (replay != null) {
			long seed = Long.parseLong(replay);
			System.out.println(name + ": replaying seed " + seed);
			run(name, 0, seed, scenario);
			return;
		}
		long master = Long.getLong("seed", System.nanoTime() ^ System.identityHashCode(scenario));
		System.out.println(name + ": " + count + " scenarios, master seed " + master + " (-Dseed=" + master + ")");
		SplittableRandom seeds = new SplittableRandom(master);
		for (int i = 0; i < count; i++) {
			run(name, i, seeds.nextLong(), scenario);
		}
	}

	private static void run(String name, int index, long seed, Consumer<Seeded> scenario) {
		try {
			scenario.accept(new Seeded(seed));
		}
		catch (Throwable failure) {
			String replay = "-Dseed." + name + "=" + seed;
			System.out
				.println(name + ": scenario " + index + " failed with seed " + seed + " (replay: " + replay + ")");
			throw new AssertionError(
					name + ": scenario " + index + " failed, seed " + seed + "; replay with " + replay + ": " + failure,
					failure);
		}
	}

	public long seed() {
		return this.seed;
	}

	/** A number from {@code from} to {@code to}, both included. */
	public int between(int from, int to) {
		return this.random.nextInt(from, to + 1);
	}

	/** A number from {@code from} to {@code to}, both included. */
	public long between(long from, long to) {
		return this.random.nextLong(from, to + 1);
	}

	public double fraction() {
		return this.random.nextDouble();
	}

	public boolean chance(double probability) {
		return this.random.nextDouble() < probability;
	}

	@SafeVarargs
	public final <T> T oneOf(T... choices) {
		return choices[this.random.nextInt(choices.length)];
	}

	public <T> T oneOf(List<T> choices) {
		return choices.get(this.random.nextInt(choices.size()));
	}

	/** A string of up to {@code maxLength} characters taken from {@code alphabet}. */
	public String string(int minLength, int maxLength, String alphabet) {
		int length = between(minLength, maxLength);
		StringBuilder text = new StringBuilder(length);
		for (int i = 0; i < length; i++) {
			text.append(alphabet.charAt(this.random.nextInt(alphabet.length())));
		}
		return text.toString();
	}

	/**
	 * A string of up to {@code maxLength} of any UTF-16 code units: controls, lone
	 * surrogates, the BOM and all.
	 */
	public String anyString(int maxLength) {
		int length = between(0, maxLength);
		StringBuilder text = new StringBuilder(length);
		for (int i = 0; i < length; i++) {
			text.append((char) (chance(0.5) ? this.random.nextInt(0x80) : this.random.nextInt(0x10000)));
		}
		return text.toString();
	}

	/** Characters from the given inclusive ranges, as one alphabet. */
	public static String alphabet(char... rangeBounds) {
		StringBuilder alphabet = new StringBuilder();
		for (int i = 0; i + 1 < rangeBounds.length; i += 2) {
			for (char c = rangeBounds[i]; c <= rangeBounds[i + 1]; c++) {
				alphabet.append(c);
			}
		}
		return alphabet.toString();
	}

}
