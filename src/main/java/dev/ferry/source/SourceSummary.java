package dev.ferry.source;

import java.util.List;

/** What a stopped source did: per shard, and notes on the source as a whole (sessions, restored settings...). */
public record SourceSummary(List<ShardSummary> shards, List<String> notes) {
}
