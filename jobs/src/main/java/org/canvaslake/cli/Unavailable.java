package org.canvaslake.cli;

import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.job.Command;
import org.canvaslake.common.job.CommonOptions;

/** A command whose flow is not built yet: says so plainly and exits non-zero instead of pretending. */
final class Unavailable implements Command {

    private final String name;
    private final String summary;
    private final int issue;

    Unavailable(String name, String summary, int issue) {
        this.name = name;
        this.summary = summary;
        this.issue = issue;
    }

    @Override
    public CommandSpec spec() {
        return new CommandSpec(name, summary + " [not available in this build: issue #" + issue + "]",
                name + " [options]").options(CommonOptions.ALL);
    }

    @Override
    public int run(Options options) {
        System.err.println("canvaslake " + name + " is not available in this build yet (issue #" + issue + ").");
        return 3;
    }
}
