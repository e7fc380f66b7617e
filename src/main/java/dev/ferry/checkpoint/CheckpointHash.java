package dev.ferry.checkpoint;

import java.util.Map;

/** One checkpoint hash as read from the target: the db and cluster slot its key is in, and its fields. */
public record CheckpointHash(int db, int slot, Map<String, String> fields) {
}
