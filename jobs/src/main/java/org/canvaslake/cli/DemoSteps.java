package org.canvaslake.cli;

import java.util.List;

/** The demo's flows in pipeline order; each flow's issue adds its step here. */
final class DemoSteps {

    private DemoSteps() {
    }

    static List<DemoStep> all() {
        return List.of(
                new org.canvaslake.events.EventsDemoStep(),
                new CanvasDemoStep(),
                new org.canvaslake.dap.DapDemoStep(),
                new org.canvaslake.product.ProductDemoStep());
    }

    /** Example queries printed after the demo, for the tables the steps write. */
    static List<String> suggestions() {
        return java.util.stream.Stream.of(
                org.canvaslake.events.EventsDemoStep.SUGGESTIONS.subList(0, 2),
                CanvasDemoStep.QUERIES,
                org.canvaslake.dap.DapDemoStep.suggestions(),
                org.canvaslake.product.ProductDemoStep.suggestions())
                .flatMap(List::stream).toList();
    }
}
