package dev.ferry.rdb;

import dev.ferry.record.BigValueEnd;
import dev.ferry.record.BigValueStart;
import dev.ferry.record.ElementBatch;
import dev.ferry.record.KeyValue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Keeps everything a reader reports, for assertions. */
class RecordingVisitor implements RdbVisitor {
    int version;
    final List<KeyValue> keyValues = new ArrayList<>();
    final List<BigValueStart> bigStarts = new ArrayList<>();
    final Map<String, List<ElementBatch>> bigBatches = new LinkedHashMap<>();
    final List<BigValueEnd> bigEnds = new ArrayList<>();
    final Map<String, String> aux = new LinkedHashMap<>();
    final List<String> skipped = new ArrayList<>();
    final List<byte[]> functions = new ArrayList<>();
    final List<String> moduleAux = new ArrayList<>();
    final List<Integer> dbs = new ArrayList<>();
    long endPosition = -1;
    private String currentBig;

    @Override public void begin(int rdbVersion) { version = rdbVersion; }
    @Override public void aux(byte[] name, byte[] value) { aux.put(s(name), s(value)); }
    @Override public void selectDb(int db) { dbs.add(db); }
    @Override public void functionLibrary(byte[] code) { functions.add(code); }
    @Override public void moduleAux(long moduleId, String moduleName, long position) { moduleAux.add(moduleName); }
    @Override public void keyValue(KeyValue kv) { keyValues.add(kv); }
    @Override public void skipped(int db, byte[] key, String reason) { skipped.add(s(key)); }
    @Override public void end(long position) { endPosition = position; }

    @Override
    public void bigValueStart(BigValueStart start) {
        if (currentBig != null) throw new AssertionError("nested big value");
        bigStarts.add(start);
        currentBig = start.db() + ":" + s(start.key());
        bigBatches.put(currentBig, new ArrayList<>());
    }

    @Override
    public void elements(ElementBatch batch) {
        if (currentBig == null) throw new AssertionError("batch outside big value");
        bigBatches.get(currentBig).add(batch);
    }

    @Override
    public void bigValueEnd(BigValueEnd end) {
        if (currentBig == null) throw new AssertionError("end outside big value");
        bigEnds.add(end);
        currentBig = null;
    }

    KeyValue kv(String key) {
        return keyValues.stream().filter(k -> s(k.key()).equals(key)).findFirst()
                .orElseThrow(() -> new AssertionError("no key " + key));
    }

    Map<Integer, Integer> keysPerDb() {
        Map<Integer, Integer> m = new java.util.TreeMap<>();
        for (KeyValue kv : keyValues) m.merge(kv.db(), 1, Integer::sum);
        for (BigValueStart b : bigStarts) m.merge(b.db(), 1, Integer::sum);
        return m;
    }

    static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
