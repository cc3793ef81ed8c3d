package dev.portalgateway.caller;

/**
 * The two shapes a bearer token may have, checked by hand in one pass: the regular
 * expressions they replace ({@code TokenShapesTests} holds both to the same answers) cost
 * about 3 % of a cached icon's CPU (bench/RESULTS.md).
 */
final class TokenShapes {

	/** RFC 6750 b64token, bounded so a huge header costs nothing to reject. */
	private static final int MAX_STATIC_LENGTH = 512;

	/**
	 * Service-account JWTs are 1-2 KB; 8 KB is more than any header Netty accepts.
	 */
	private static final int MAX_JWT_LENGTH = 8192;

	private static final boolean[] B64TOKEN = table("-._~+/");

	private static final boolean[] BASE64URL = table("-_");

	private TokenShapes() {
	}

	/**
	 * A JWS in compact form whose header starts with <code>{"</code> ({@code eyJ}): as
	 * {@code eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*}, at most
	 * {@value #MAX_JWT_LENGTH} characters.
	 */
	static boolean isJwt(String token) {
		if (token.length() > MAX_JWT_LENGTH || !token.startsWith("eyJ")) {
			return false;
		}
		int dots = 0;
		for (int i = 3; i < token.length(); i++) {
			char c = token.charAt(i);
			if (c == '.') {
				dots++;
			}
			else if (!in(BASE64URL, c)) {
				return false;
			}
		}
		return dots == 2;
	}

	/**
	 * An RFC 6750 b64token: as {@code [A-Za-z0-9\-._~+/]{1,512}=*}.
	 */
	static boolean isStaticToken(String token) {
		int end = token.length();
		while (end > 0 && token.charAt(end - 1) == '=') {
			end--;
		}
		if (end == 0 || end > MAX_STATIC_LENGTH) {
			return false;
		}
		for (int i = 0; i < end; i++) {
			if (!in(B64TOKEN, token.charAt(i))) {
				return false;
			}
		}
		return true;
	}

	private static boolean in(boolean[] table, char c) {
		return c < table.length && table[c];
	}

	/** ASCII letters and digits, and the given characters. */
	private static boolean[] table(String others) {
		boolean[] table = new boolean[128];
		for (char c = '0'; c <= '9'; c++) {
			table[c] = true;
		}
		for (char c = 'A'; c <= 'Z'; c++) {
			table[c] = true;
			table[Character.toLowerCase(c)] = true;
		}
		for (char c : others.toCharArray()) {
			table[c] = true;
		}
		return table;
	}

}
