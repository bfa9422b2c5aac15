package org.canvaslake.bench;

import java.util.List;

import org.canvaslake.cli.CommandGroup;
import org.canvaslake.common.job.Command;

/** {@code canvaslake bench <subcommand>}: benchmarks of the jobs on sandbox data, with numbers to compare. */
public final class BenchCommand extends CommandGroup {

    public BenchCommand() {
        super("bench", "Benchmarks on generated sandbox data (results in docs/benchmarks.md)");
    }

    /** Adding a benchmark is one line here. */
    @Override
    protected List<Command> subcommands() {
        return List.of(
                new EventsBenchmark(),
                new DapBenchmark(),
                new GrowthBenchmark(),
                new LedgerBenchmark(),
                new AllBenchmarks());
    }
}
