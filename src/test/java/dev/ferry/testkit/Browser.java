package dev.ferry.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium driven through chromedriver, for tests of pages Ferry serves. Debian's own binaries are named
 * explicitly, so Selenium Manager (which would try to download a browser and a driver) never runs; each browser has
 * a fresh profile directory, removed on close.
 */
public final class Browser implements AutoCloseable {
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    public static final int WIDTH = 1280;
    public static final int HEIGHT = 900;

    private final ChromeDriverService service;
    private final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriverService service, ChromeDriver driver, Path profile) {
        this.service = service;
        this.driver = driver;
        this.profile = profile;
    }

    /**
     * Skips the calling test when chromium or chromedriver is missing, or fails it when the environment says it runs
     * in CI (env {@code CI} set), where a skipped browser test would hide that the page is untested.
     */
    public static void requireInstalled() {
        String missing = Stream.of(CHROMIUM, CHROMEDRIVER).filter(p -> !Files.isExecutable(p)).map(Path::toString)
                .reduce((a, b) -> a + " and " + b).orElse(null);
        if (missing == null) return;
        String why = missing + " not found: install them with `apt-get install chromium chromium-driver`";
        if (System.getenv("CI") != null) Assertions.fail("CI is set and the browser test cannot run: " + why);
        Assumptions.abort("browser test skipped: " + why);
    }

    /** Starts a headless browser with a 1280×900 window (skipped or failed first when it is not installed). */
    public static Browser start() {
        requireInstalled();
        Path profile;
        try {
            profile = Files.createTempDirectory("ferry-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a browser profile directory", e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--no-proxy-server", "--hide-scrollbars",
                "--window-size=" + WIDTH + "," + HEIGHT, "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        try {
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(10));
            fitViewport(driver);
            return new Browser(service, driver, profile);
        } catch (RuntimeException e) {
            service.stop();
            deleteTree(profile);
            throw e;
        }
    }

    /**
     * Grows the window by what its frame takes, so the page itself (and so a screenshot) is exactly WIDTH×HEIGHT:
     * headless Chromium driven by chromedriver still counts a frame of about 140 px in --window-size.
     */
    private static void fitViewport(ChromeDriver driver) {
        @SuppressWarnings("unchecked")
        List<Number> inner = (List<Number>) driver.executeScript("return [window.innerWidth, window.innerHeight]");
        int dw = WIDTH - inner.get(0).intValue();
        int dh = HEIGHT - inner.get(1).intValue();
        if (dw != 0 || dh != 0) driver.manage().window().setSize(new Dimension(WIDTH + dw, HEIGHT + dh));
    }

    public WebDriver driver() {
        return driver;
    }

    public void open(String url) {
        driver.get(url);
    }

    public String currentUrl() {
        return driver.getCurrentUrl();
    }

    public List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    public WebElement one(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    /** The visible text of the first element matching {@code css}. */
    public String text(String css) {
        return one(css).getText();
    }

    /** The text of the whole page as shown, e.g. the body of an error answer. */
    public String pageText() {
        return one("body").getText();
    }

    /** An attribute of the first element matching {@code css}, null when it has none. */
    public String attribute(String css, String name) {
        return one(css).getDomAttribute(name);
    }

    /** Runs {@code script} in the page (its last statement returned with {@code return}). */
    public Object script(String script, Object... args) {
        return driver.executeScript(script, args);
    }

    /**
     * Waits, at most {@code timeout}, until {@code until} answers something other than null or false, and returns
     * it; fails naming {@code what} otherwise.
     */
    public <T> T await(String what, Duration timeout, Function<Browser, T> until) {
        return new WebDriverWait(driver, timeout, Duration.ofMillis(100))
                .withMessage(() -> "waited " + timeout.toSeconds() + " s for " + what)
                .until(d -> until.apply(this));
    }

    /** Saves what the window shows as PNG to {@code file} (directories created) and returns it. */
    public Path screenshot(Path file) {
        try {
            if (file.getParent() != null) Files.createDirectories(file.getParent());
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the screenshot to " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a leftover profile in the temp directory is harmless; the test's outcome matters more
        }
    }
}
