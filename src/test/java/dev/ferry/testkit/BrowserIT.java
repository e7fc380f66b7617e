package dev.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The browser harness itself: Debian's chromium starts headless, runs a page's script, and screenshots its window. */
class BrowserIT {
    @TempDir
    Path tmp;

    @Test
    void runsThePagesScriptAndSavesAWindowSizedScreenshot() throws Exception {
        try (Browser b = Browser.start()) {
            b.open("data:text/html,<p id=x>before</p><script>setTimeout(()=>{x.textContent='after'},200)</script>");
            String changed = b.await("the page's script to change #x", Duration.ofSeconds(10),
                    x -> x.text("#x").equals("after") ? x.text("#x") : null);
            assertThat(changed).isEqualTo("after");
            assertThat(b.script("return navigator.userAgent").toString()).contains("HeadlessChrome");
            BufferedImage shot = ImageIO.read(b.screenshot(tmp.resolve("shot.png")).toFile());
            assertThat(shot.getWidth()).isEqualTo(Browser.WIDTH);
            assertThat(shot.getHeight()).isEqualTo(Browser.HEIGHT);
        }
    }
}
