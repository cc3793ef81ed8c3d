package dev.portalgateway.system;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;

/**
 * Log lines reach standard output from a thread of their own, not from the thread that
 * logs them. The lines about requests (the audit line, WorkOS failures, the summaries of
 * failed authentication) are logged on the event loops, and a standard output that stops
 * taking bytes (the pipe is full while the container runtime's log reader lags or stalls)
 * would otherwise stall every connection those loops serve.
 * <p>
 * Once the application is ready, Boot's console appender (plain text or structured, as
 * configured) is moved behind a Logback {@link AsyncAppender}: a queue of
 * {@link #QUEUE_SIZE} lines, none ever discarded (the audit log must be complete, so no
 * discarding threshold), and a thread that logs waits only when the queue is full, as it
 * waited for every line before. Startup's lines are written directly, so a start that
 * fails still prints its one line before the JVM exits; on shutdown Logback writes what
 * is queued (for at most {@link #FLUSH_MILLIS} ms). Only Logback, Boot's default, is
 * handled; another logging system is left as it is.
 */
@Component
class ConsoleOffTheLoops implements ApplicationListener<ApplicationReadyEvent> {

	/** The appender Boot configures for the console, plain or structured. */
	static final String CONSOLE = "CONSOLE";

	static final String ASYNC_CONSOLE = "ASYNC_CONSOLE";

	/**
	 * Lines that may wait: a few MiB at most, and hours of the usual log (an audit line
	 * per link, and links are bounded by the WorkOS budget).
	 */
	static final int QUEUE_SIZE = 8192;

	static final int FLUSH_MILLIS = 2000;

	@Override
	public void onApplicationEvent(ApplicationReadyEvent event) {
		ILoggerFactory factory = LoggerFactory.getILoggerFactory();
		if (factory instanceof LoggerContext context) {
			moveBehindQueue(context);
		}
	}

	/**
	 * Moves the root logger's console appender behind a queue; does nothing if there is
	 * none, or it is behind one already (several applications in one JVM share the logger
	 * context, and each one that starts finds it as the last left it).
	 */
	static void moveBehindQueue(LoggerContext context) {
		Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
		synchronized (root) {
			Appender<ILoggingEvent> console = root.getAppender(CONSOLE);
			if (console == null || root.getAppender(ASYNC_CONSOLE) != null) {
				return;
			}
			AsyncAppender queue = new AsyncAppender();
			queue.setContext(context);
			queue.setName(ASYNC_CONSOLE);
			queue.setQueueSize(QUEUE_SIZE);
			queue.setDiscardingThreshold(0);
			queue.setNeverBlock(false);
			queue.setMaxFlushTime(FLUSH_MILLIS);
			queue.addAppender(console);
			queue.start();
			root.addAppender(queue);
			root.detachAppender(console);
		}
	}

}
