package dev.ferry.record;


/**
 * Where a shard's positions stand after the target answered more of its records, pushed by the writer as they
 * move (on a reply thread: a listener stores it and wakes whoever waits, nothing more).
 *
 * @param sequence  grows with every move of the shard; pushes from different reply threads may arrive out of
 *                  order, so a listener keeps the one with the highest sequence
 * @param committed every record up to it was answered, refused ones included (what a replica acknowledges)
 * @param confirmed every write up to it is on the target (stops before the first refused write)
 */
public record Confirmation(ShardId shard, long sequence, Position committed, Position confirmed) {
}
