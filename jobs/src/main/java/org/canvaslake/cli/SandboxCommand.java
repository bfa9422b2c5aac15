package org.canvaslake.cli;

import java.util.List;

import org.canvaslake.common.job.Command;

/** {@code canvaslake sandbox <subcommand>}: the synthetic institution standing in for Canvas. */
public final class SandboxCommand extends CommandGroup {

    public SandboxCommand() {
        super("sandbox", "The synthetic institution: generate live events, serve fake Canvas and DAP APIs");
    }

    /** Adding a subcommand is one line here. */
    @Override
    protected List<Command> subcommands() {
        return List.of(
                new SandboxEventsCommand(),
                new SandboxServeCommand(),
                new SandboxDapCommand());
    }
}
