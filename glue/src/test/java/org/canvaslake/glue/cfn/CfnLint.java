package org.canvaslake.glue.cfn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * Runs AWS's CloudFormation linter (cfn-lint: resource schemas, property types, IAM policy syntax, deprecated
 * runtimes) on a template when it is installed; the test is skipped, saying so, where it is not.
 */
public final class CfnLint {

    public record Result(int exitCode, String output) {
    }

    private CfnLint() {
    }

    public static Result run(Path template) throws IOException, InterruptedException {
        Path output = Files.createTempFile("cfn-lint", ".txt");
        Process process;
        try {
            process = new ProcessBuilder(List.of("cfn-lint", template.toString())).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
        } catch (IOException e) {
            Assumptions.abort("cfn-lint is not installed here (pip install cfn-lint), so " + template.getFileName()
                    + " was not linted; the structural tests still ran");
            throw e;
        }
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("cfn-lint did not finish within 5 minutes on " + template);
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        Files.deleteIfExists(output);
        return new Result(process.exitValue(), text);
    }
}
