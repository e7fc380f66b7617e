package dev.ferry.util;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Ferry's version and the commit it was built from, as the build wrote them into dev/ferry/version.properties. */
public final class BuildInfo {
    private static final Properties PROPERTIES = load();

    private BuildInfo() {
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/dev/ferry/version.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // no build information: the callers say what little is known
        }
        return p;
    }

    /** The version, or null when the build did not say (not built by Maven). */
    public static String version() {
        String v = PROPERTIES.getProperty("version", "");
        if (v.isEmpty() || v.startsWith("${")) v = BuildInfo.class.getPackage().getImplementationVersion();
        return v;
    }

    /** The git commit, or "" when the build had no git. */
    public static String commit() {
        String c = PROPERTIES.getProperty("commit", "");
        return c.startsWith("${") ? "" : c;
    }
}
