// Where the gateway's start goes, step by step: the application started as usual, with Spring's
// BufferingApplicationStartup recording each step (environment prepared, each bean created, the
// web servers), then the steps printed with their own time (what a step took minus the steps
// inside it), largest first, and summed by kind. On demand, never part of the build; bench/startup-steps.sh
// runs it the image's way (extracted jar, the chart's JVM options, Spring AOT, an AOT cache trained
// for this launcher), which is where its figures in bench/RESULTS.md come from.
//
//   java -cp bench-classes:portal-gateway.jar:lib/* StartupSteps [rows] -- [the gateway's arguments]
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.metrics.buffering.BufferingApplicationStartup;
import org.springframework.boot.context.metrics.buffering.StartupTimeline.TimelineEvent;
import org.springframework.context.ConfigurableApplicationContext;

import dev.portalgateway.PortalGatewayApplication;

public class StartupSteps {

	public static void main(String[] args) {
		int rows = Integer.parseInt(args[0]);
		String[] gatewayArgs = Arrays.copyOfRange(args, 2, args.length);
		long begin = System.nanoTime();
		SpringApplication application = new SpringApplication(PortalGatewayApplication.class);
		// Spring AOT finds the generated context by the main class, which is this one otherwise.
		application.setMainApplicationClass(PortalGatewayApplication.class);
		BufferingApplicationStartup startup = new BufferingApplicationStartup(20_000);
		application.setApplicationStartup(startup);
		ConfigurableApplicationContext context = application.run(gatewayArgs);
		long runMillis = (System.nanoTime() - begin) / 1_000_000;
		List<TimelineEvent> events = startup.getBufferedTimeline().getEvents();
		Map<Long, Long> inside = new HashMap<>();
		for (TimelineEvent event : events) {
			Long parent = event.getStartupStep().getParentId();
			if (parent != null) {
				inside.merge(parent, event.getDuration().toNanos(), Long::sum);
			}
		}
		Map<String, Long> byKind = new TreeMap<>();
		List<String[]> steps = new ArrayList<>();
		for (TimelineEvent event : events) {
			long own = event.getDuration().toNanos() - inside.getOrDefault(event.getStartupStep().getId(), 0L);
			StringBuilder tags = new StringBuilder();
			event.getStartupStep().getTags().forEach((tag) -> tags.append(' ').append(tag.getKey()).append('=').append(tag.getValue()));
			byKind.merge(event.getStartupStep().getName(), own, Long::sum);
			steps.add(new String[] { Long.toString(own), Long.toString(event.getDuration().toNanos()),
					event.getStartupStep().getName() + tags });
		}
		steps.sort(Comparator.comparingLong((String[] step) -> Long.parseLong(step[0])).reversed());
		System.out.printf("SpringApplication.run: %d ms, %d steps%n%n%8s %8s  %s%n", runMillis, events.size(), "own ms",
				"all ms", "step");
		steps.stream().limit(rows).forEach((step) -> System.out.printf("%8.1f %8.1f  %s%n",
				Long.parseLong(step[0]) / 1e6, Long.parseLong(step[1]) / 1e6, step[2]));
		System.out.printf("%n%8s  %s%n", "own ms", "by kind");
		byKind.entrySet()
			.stream()
			.sorted(Map.Entry.<String, Long>comparingByValue().reversed())
			.forEach((kind) -> System.out.printf("%8.1f  %s%n", kind.getValue() / 1e6, kind.getKey()));
		context.close();
	}

}
