package dev.ferry.rdb;

import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void printAll() {
        for (String f : Corpus.all()) {
            try {
                RecordingVisitor v = Corpus.read(f);
                System.out.println(f + " v" + v.version + " " + v.keysPerDb() + " skipped=" + v.skipped.size() + " fn=" + v.functions.size());
            } catch (RuntimeException e) {
                System.out.println(f + " FAILED " + e);
            }
        }
    }
}
