package org.canvaslake.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.canvaslake.common.job.Command;

/** Every command of {@code canvaslake}, in the order --help lists them. */
public final class Commands {

    private Commands() {
    }

    public static Map<String, Command> all() {
        Map<String, Command> out = new LinkedHashMap<>();
        for (Command c : List.of(
                new DemoCommand(),
                new org.canvaslake.events.EventsJob(),
                new org.canvaslake.canvas.CanvasJob(),
                new org.canvaslake.dap.DapCommand(),
                new org.canvaslake.product.ProductJob(),
                new org.canvaslake.mirror.lake.LakeMirrorJob(),
                new org.canvaslake.report.ReportJob(),
                new SqlCommand(),
                new SandboxCommand(),
                new org.canvaslake.lander.DrainCommand(),
                new org.canvaslake.bench.BenchCommand(),
                new ListCommand())) {
            out.put(c.spec().name(), c);
        }
        return out;
    }
}
