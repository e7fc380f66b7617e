package dev.ferry.pipeline;

import dev.ferry.writer.TargetWriter;
import dev.ferry.writer.WriteListener;
import dev.ferry.server.ServerInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a snapshot's function libraries on every target master, once its keys are in. Dragonfly has no FUNCTION
 * command: there the libraries are not tried, and are reported once, by name.
 */
final class FunctionLoader {
    private static final Logger log = LoggerFactory.getLogger(FunctionLoader.class);

    private FunctionLoader() {
    }

    static int load(TargetWriter w, List<byte[]> libraries, boolean replace, WriteListener outcomes) {
        if (w.info().engine() == ServerInfo.Engine.DRAGONFLY) {
            notCopied(libraries, w.info().describe(), outcomes);
            return 0;
        }
        int loaded = 0;
        for (byte[] code : libraries) {
            String text = new String(code, StandardCharsets.UTF_8);
            String error = replace ? w.onEveryMaster("FUNCTION", "LOAD", "REPLACE", text) : w.onEveryMaster("FUNCTION", "LOAD", text);
            String name = libraryName(text);
            if (error == null) {
                loaded++;
            } else if (error.contains("already exists")) {
                outcomes.skipped(0, name.getBytes(StandardCharsets.UTF_8), "function library exists on the target (--no-replace)");
            } else {
                outcomes.failed(0, name.getBytes(StandardCharsets.UTF_8), "FUNCTION LOAD failed: " + error);
                log.debug("function library {} not loaded: {}", name, error);
            }
        }
        return loaded;
    }

    /**
     * The libraries a target without FUNCTION (Dragonfly) cannot take: one warning line naming them all, and each
     * counted as skipped (the summary's count and the key report, under its library name).
     */
    static void notCopied(List<byte[]> libraries, String target, WriteListener outcomes) {
        if (libraries.isEmpty()) return;
        List<String> names = new ArrayList<>(libraries.size());
        String reason = "function library not copied: " + target + " has no FUNCTION LOAD";
        for (byte[] code : libraries) {
            String name = libraryName(new String(code, StandardCharsets.UTF_8));
            names.add(name.startsWith("library ") ? name.substring("library ".length()) : name);
            outcomes.skipped(0, name.getBytes(StandardCharsets.UTF_8), reason);
        }
        log.warn("{} function librar{} not copied: {} has no FUNCTION LOAD ({}); load {} by other means if it needs them",
                names.size(), names.size() == 1 ? "y" : "ies", target, String.join(", ", names),
                names.size() == 1 ? "it" : "them");
    }

    private static String libraryName(String code) {
        int i = code.indexOf("name=");
        if (i < 0) return "function library";
        int end = i + 5;
        while (end < code.length() && !Character.isWhitespace(code.charAt(end))) end++;
        return "library " + code.substring(i + 5, end);
    }
}
