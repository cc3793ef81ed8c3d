package dev.portalgateway;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Prints every thread's stack when a test fails on a timeout: a request the gateway never
 * answered leaves no log line behind, so the threads are the only witness. Registered for
 * every test through JUnit's extension auto-detection. (A rare hang — a request parsed,
 * or a health check sent, and no answer within 15 s — is what this is for.)
 */
public class ThreadDumpOnTimeout implements TestWatcher {

	@Override
	public void testFailed(ExtensionContext context, Throwable cause) {
		for (Throwable failure = cause; failure != null; failure = failure.getCause()) {
			if (failure instanceof TimeoutException) {
				StringBuilder dump = new StringBuilder("Thread dump after " + context.getDisplayName() + ":\n");
				for (ThreadInfo thread : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
					dump.append(thread);
					for (StackTraceElement frame : thread.getStackTrace()) {
						dump.append("\t\tat ").append(frame).append('\n');
					}
				}
				System.out.println(dump);
				return;
			}
		}
	}

}
