package dev.ferry.source.scan;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** Only the keys two perKey maps disagree on, so a failure shows what differs rather than two whole datasets. */
final class PerKeyDiff {
    private PerKeyDiff() {
    }

    static Map<String, String> of(Map<String, String> source, Map<String, String> target) {
        Map<String, String> diff = new TreeMap<>();
        TreeSet<String> keys = new TreeSet<>(source.keySet());
        keys.addAll(target.keySet());
        for (String k : keys) {
            String s = source.get(k);
            String t = target.get(k);
            if (s == null || !s.equals(t)) diff.put(k, "source=" + s + " target=" + t);
        }
        return diff;
    }
}
