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
		List<Step> steps = new ArrayList<>();
		for (TimelineEvent event : events) {
			long all = event.getDuration().toNanos();
			long own = all - inside.getOrDefault(event.getStartupStep().getId(), 0L);
			StringBuilder name = new StringBuilder(event.getStartupStep().getName());
			event.getStartupStep().getTags().forEach((tag) -> name.append(' ').append(tag.getKey()).append('=').append(tag.getValue()));
			byKind.merge(event.getStartupStep().getName(), own, Long::sum);
			steps.add(new Step(own, all, name.toString()));
		}
		steps.sort(Comparator.comparingLong(Step::ownNanos).reversed());
		System.out.printf("SpringApplication.run: %d ms, %d steps%n%n%8s %8s  %s%n", runMillis, events.size(), "own ms",
				"all ms", "step");
		steps.stream().limit(rows).forEach((step) -> System.out.printf("%8.1f %8.1f  %s%n", step.ownNanos() / 1e6,
				step.allNanos() / 1e6, step.name()));
		System.out.printf("%n%8s  %s%n", "own ms", "by kind");
		byKind.entrySet()
			.stream()
			.sorted(Map.Entry.<String, Long>comparingByValue().reversed())
			.forEach((kind) -> System.out.printf("%8.1f  %s%n", kind.getValue() / 1e6, kind.getKey()));
		context.close();
	}

	/** A step: its own time (without the steps inside it), all of it, its name and tags. */
	record Step(long ownNanos, long allNanos, String name) {
	}

}
