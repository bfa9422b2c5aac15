package org.canvaslake.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report page in a real headless Chromium (Debian's {@code chromium} package, {@code apt-get install -y
 * chromium}): the DOM the browser builds holds every chart and bar, and the screenshot shows the bars in colour.
 * Skipped, saying so, where no Chromium is installed.
 */
class ReportPageInChromiumTest {

    private static final List<String> CANDIDATES = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome");

    @Test
    void chromiumRendersEveryChartOfThePage(@TempDir Path dir) throws Exception {
        String browser = CANDIDATES.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse(null);
        assumeTrue(browser != null, "Skipped: no headless Chromium at " + CANDIDATES
                + " (install it with 'apt-get install -y chromium'); the page is still checked by ReportPageTest");
        Path page = dir.resolve("index.html");
        Files.writeString(page, ReportPage.render(ReportPageTest.sample()), StandardCharsets.UTF_8);

        String dom = run(browser, dir, "--dump-dom", page.toUri().toString());
        assertThat(count(dom, "<svg id=\"chart-")).isEqualTo(4);
        assertThat(count(dom, "<rect class=\"bar\"")).isEqualTo(3 + 3 + 3 + 2);
        assertThat(dom).contains("Canvas Lake pipeline report").contains("broken gzip");

        Path png = dir.resolve("page.png");
        run(browser, dir, "--screenshot=" + png, "--window-size=1100,1800", page.toUri().toString());
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1100);
        // the bars are drawn in the palette's first colours: count the pixels Chromium painted in them
        assertThat(pixels(image, 0x4e79a7)).isGreaterThan(2_000);
        assertThat(pixels(image, 0xf28e2b)).isGreaterThan(50);
    }

    private static String run(String browser, Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(browser, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
                "--user-data-dir=" + dir.resolve("profile")));
        command.addAll(List.of(args));
        Path out = dir.resolve("chromium.out");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile())
                .redirectError(dir.resolve("chromium.err").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("Chromium did not finish within 120 s: " + command);
        }
        assertThat(p.exitValue()).as("chromium exit code; stderr: %s",
                Files.readString(dir.resolve("chromium.err"))).isZero();
        return Files.readString(out);
    }

    private static int count(String text, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static int pixels(BufferedImage image, int rgb) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == rgb) {
                    n++;
                }
            }
        }
        return n;
    }
}
