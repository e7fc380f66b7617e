package dev.ferry.pipeline;

import dev.ferry.writer.TargetWriter;
import dev.ferry.writer.WriteListener;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Loads a snapshot's function libraries on every target master, once its keys are in. */
final class FunctionLoader {
    private static final Logger log = LoggerFactory.getLogger(FunctionLoader.class);

    private FunctionLoader() {
    }

    static int load(TargetWriter w, List<byte[]> libraries, boolean replace, WriteListener outcomes) {
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

    private static String libraryName(String code) {
        int i = code.indexOf("name=");
        if (i < 0) return "function library";
        int end = i + 5;
        while (end < code.length() && !Character.isWhitespace(code.charAt(end))) end++;
        return "library " + code.substring(i + 5, end);
    }
}
