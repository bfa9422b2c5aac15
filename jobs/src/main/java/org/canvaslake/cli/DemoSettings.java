package org.canvaslake.cli;

import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.canvas.FakeCanvasServer;

/**
 * What the demo runs against: the sandbox institution (seed and size), how many live events it lands, and the
 * credentials its in-process fake Canvas and fake DAP API expect. The command uses {@link #defaults()}; tests run
 * the same pipeline small, or with recognisable fake secrets to prove that none of them leaks.
 *
 * @param seed            the institution every flow uses, so ids in events, canvas.* and cd2.* join
 * @param events          live events landed by the events flow
 * @param canvasToken     the bearer token the fake Canvas accepts (and the canvas job is given)
 * @param dapClientId     the DAP client id the fake DAP API accepts (and the dap job is given)
 * @param dapClientSecret its client secret
 */
public record DemoSettings(long seed, Institution.Size size, long events, String canvasToken, String dapClientId,
                           String dapClientSecret) {

    public static DemoSettings defaults() {
        return new DemoSettings(42, Institution.Size.DEMO, 20_000, FakeCanvasServer.DEFAULT_TOKEN, "sandbox-client",
                "sandbox-secret");
    }

    public DemoSettings withSize(Institution.Size s, long eventCount) {
        return new DemoSettings(seed, s, eventCount, canvasToken, dapClientId, dapClientSecret);
    }

    public DemoSettings withCanvasToken(String token) {
        return new DemoSettings(seed, size, events, token, dapClientId, dapClientSecret);
    }

    public DemoSettings withDapCredentials(String id, String secret) {
        return new DemoSettings(seed, size, events, canvasToken, id, secret);
    }

    public Institution institution() {
        return Institution.generate(seed, size);
    }

    @Override
    public String toString() {
        // the credentials are sandbox values, but a record prints every field: keep them out of any log
        return "DemoSettings[seed=" + seed + ", size=" + size + ", events=" + events + "]";
    }
}
