package dev.ferry.rdb;

import dev.ferry.record.ElementBatch;
import dev.ferry.record.KeyValue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Canonical text form of decoded elements, so values from different paths compare with equals. */
final class Elements {
    private Elements() {
    }

    static List<String> of(List<ElementBatch> batches) {
        List<String> out = new ArrayList<>();
        StringBuilder string = null;
        for (ElementBatch b : batches) {
            for (int i = 0; i < b.size(); i++) {
                String item = s(b.item(i));
                switch (b.type()) {
                    case STRING:
                        if (string == null) string = new StringBuilder();
                        string.append(item);
                        break;
                    case ZSET: out.add(item + "=" + b.score(i)); break;
                    case HASH: out.add(item + "=" + s(b.value(i)) + (b.ttl(i) == -1 ? "" : "@" + b.ttl(i))); break;
                    default: out.add(item);
                }
            }
        }
        if (string != null) out.add(string.toString());
        return out;
    }

    static List<ElementBatch> batches(KeyValue kv, int batchSize) {
        List<ElementBatch> list = new ArrayList<>();
        RdbValueDecoder.decode(kv, batchSize, list::add);
        return list;
    }

    static List<ElementBatch> batches(byte[] payload, int batchSize) {
        List<ElementBatch> list = new ArrayList<>();
        RdbValueDecoder.decode(payload, batchSize, list::add);
        return list;
    }

    static List<String> of(KeyValue kv) {
        return of(batches(kv, 512));
    }

    /** Binary-safe: one char per byte. */
    static String s(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
