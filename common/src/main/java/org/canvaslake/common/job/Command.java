package org.canvaslake.common.job;

import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.Options;

/** A {@code canvaslake} subcommand: its spec (name, options, help) and what it does. Returns the exit code. */
public interface Command {

    CommandSpec spec();

    int run(Options options) throws Exception;
}
