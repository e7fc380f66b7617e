package dev.ferry.rdb;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A decoded stream (RDB types 15, 19, 21): live entries in id order, metadata and consumer groups.
 * Fields missing from older formats are filled the way Redis fills them on load.
 */
public final class StreamValue {
    /** A stream entry id. */
    public record Id(long ms, long seq) {
        public static final Id ZERO = new Id(0, 0);

        @Override
        public String toString() {
            return Long.toUnsignedString(ms) + "-" + Long.toUnsignedString(seq);
        }
    }

    /** One entry: {@code fields[i]} maps to {@code values[i]}; field names may repeat. */
    public record Entry(Id id, byte[][] fields, byte[][] values) {
    }

    /** A pending (delivered, unacknowledged) entry of a group, with its owning consumer. */
    public record Pending(Id id, long deliveryTimeMs, long deliveryCount, byte[] consumer) {
    }

    public record Consumer(byte[] name, long seenTimeMs, long activeTimeMs, List<Id> pending) {
    }

    /** {@code entriesRead} is -1 when unknown (type 15 streams, or stored as unknown). */
    public record Group(byte[] name, Id lastId, long entriesRead, List<Pending> pending, List<Consumer> consumers) {
    }

    private final int rdbType;
    private final List<Entry> entries;
    private final long length;
    private final Id lastId;
    private final Id firstId;
    private final Id maxDeletedId;
    private final long entriesAdded;
    private final List<Group> groups;

    public StreamValue(int rdbType, List<Entry> entries, long length, Id lastId, Id firstId, Id maxDeletedId,
                       long entriesAdded, List<Group> groups) {
        this.rdbType = rdbType;
        this.entries = Collections.unmodifiableList(entries);
        this.length = length;
        this.lastId = lastId;
        this.firstId = firstId;
        this.maxDeletedId = maxDeletedId;
        this.entriesAdded = entriesAdded;
        this.groups = Collections.unmodifiableList(groups);
    }

    public int rdbType() { return rdbType; }
    public List<Entry> entries() { return entries; }
    /** The stream length as stored (XLEN). */
    public long length() { return length; }
    public Id lastId() { return lastId; }
    public Id firstId() { return firstId; }
    public Id maxDeletedId() { return maxDeletedId; }
    public long entriesAdded() { return entriesAdded; }
    public List<Group> groups() { return groups; }

    /**
     * Reads a stream value (after the type byte). With {@code keep} false it only walks to the end and
     * returns null.
     */
    static StreamValue read(int rdbType, RdbInput in, boolean keep) {
        List<Entry> entries = keep ? new ArrayList<>() : null;
        long nodes = in.readLen();
        for (long i = 0; i != nodes; i++) {
            if (!keep) {
                in.skipString();
                in.skipString();
                continue;
            }
            byte[] nodeKey = in.readString();
            if (nodeKey.length != 16) throw new RdbFormatException("stream node key is " + nodeKey.length + " bytes, not 16");
            long ms = beLong(nodeKey, 0);
            long seq = beLong(nodeKey, 8);
            Listpack lp = new Listpack(in.readString());
            if (lp.isEmpty()) throw new RdbFormatException("empty listpack inside stream");
            node(ms, seq, lp, entries);
        }
        long length = in.readLen();
        Id last = new Id(in.readLen(), in.readLen());
        Id first;
        Id maxDeleted;
        long added;
        if (rdbType >= 19) {
            first = new Id(in.readLen(), in.readLen());
            maxDeleted = new Id(in.readLen(), in.readLen());
            added = in.readLen();
        } else {
            first = keep && !entries.isEmpty() ? entries.get(0).id() : Id.ZERO;
            maxDeleted = Id.ZERO;
            added = length;
        }
        List<Group> groups = keep ? new ArrayList<>() : null;
        long groupCount = in.readLen();
        for (long g = 0; g != groupCount; g++) {
            byte[] name = keep ? in.readString() : skip(in);
            Id groupLast = new Id(in.readLen(), in.readLen());
            long entriesRead = rdbType >= 19 ? in.readLen() : -1;
            List<Id> pelIds = keep ? new ArrayList<>() : null;
            java.util.Map<Id, Integer> pelIndex = keep ? new java.util.HashMap<>() : null;
            List<long[]> pelData = keep ? new ArrayList<>() : null;
            long pelSize = in.readLen();
            for (long k = 0; k != pelSize; k++) {
                byte[] raw = new byte[16];
                in.readFully(raw, 0, 16);
                long time = in.readLongLE();
                long count = in.readLen();
                if (keep) {
                    Id id = new Id(beLong(raw, 0), beLong(raw, 8));
                    if (pelIndex.putIfAbsent(id, pelIds.size()) != null) throw new RdbFormatException("duplicate group PEL entry " + id);
                    pelIds.add(id);
                    pelData.add(new long[] {time, count});
                }
            }
            List<Consumer> consumers = keep ? new ArrayList<>() : null;
            byte[][] owners = keep ? new byte[pelIds.size()][] : null;
            long consumerCount = in.readLen();
            for (long c = 0; c != consumerCount; c++) {
                byte[] cname = keep ? in.readString() : skip(in);
                long seen = in.readLongLE();
                long active = rdbType >= 21 ? in.readLongLE() : seen;
                long own = in.readLen();
                List<Id> mine = keep ? new ArrayList<>() : null;
                for (long k = 0; k != own; k++) {
                    byte[] raw = new byte[16];
                    in.readFully(raw, 0, 16);
                    if (keep) {
                        Id id = new Id(beLong(raw, 0), beLong(raw, 8));
                        Integer at = pelIndex.get(id);
                        if (at == null) throw new RdbFormatException("consumer PEL entry " + id + " not in the group PEL");
                        owners[at] = cname;
                        mine.add(id);
                    }
                }
                if (keep) consumers.add(new Consumer(cname, seen, active, Collections.unmodifiableList(mine)));
            }
            if (keep) {
                List<Pending> pel = new ArrayList<>(pelIds.size());
                for (int k = 0; k < pelIds.size(); k++) {
                    pel.add(new Pending(pelIds.get(k), pelData.get(k)[0], pelData.get(k)[1], owners[k]));
                }
                if (rdbType < 19) entriesRead = estimateEntriesRead(groupLast, length, last, first, Id.ZERO, length);
                groups.add(new Group(name, groupLast, entriesRead == -1L ? -1 : entriesRead,
                        Collections.unmodifiableList(pel), Collections.unmodifiableList(consumers)));
            }
        }
        return keep ? new StreamValue(rdbType, entries, length, last, first, maxDeleted, added, groups) : null;
    }

    /**
     * What Redis 7 derives for a group's entries_read when it loads a type 15 stream, which never stored it
     * (streamEstimateDistanceFromFirstEverEntry): exact at the stream's ends while no XDEL fragments it,
     * otherwise unknown (-1).
     */
    static long estimateEntriesRead(Id id, long length, Id last, Id first, Id maxDeleted, long added) {
        if (added == 0) return 0;
        int cmpLast = compare(id, last);
        if (length == 0 && cmpLast < 1) return added;
        if (cmpLast == 0) return added;
        if (cmpLast > 0) return -1;
        if (maxDeleted.equals(Id.ZERO) || compare(maxDeleted, first) < 0) {
            int cmpFirst = compare(id, first);
            if (cmpFirst < 0) return added - length;
            if (cmpFirst == 0) return added - length + 1;
        }
        return -1;
    }

    private static int compare(Id a, Id b) {
        int c = Long.compareUnsigned(a.ms(), b.ms());
        return c != 0 ? c : Long.compareUnsigned(a.seq(), b.seq());
    }

    private static byte[] skip(RdbInput in) {
        in.skipString();
        return null;
    }

    /** One listpack node: a master entry with the shared field names, then delta-encoded entries. */
    private static void node(long masterMs, long masterSeq, Listpack lp, List<Entry> out) {
        long count = intEntry(lp, "entry count");
        long deleted = intEntry(lp, "deleted count");
        long masterFields = intEntry(lp, "master field count");
        if (masterFields < 0 || masterFields > Integer.MAX_VALUE) throw new RdbFormatException("bad stream master field count");
        List<byte[]> master = new ArrayList<>();
        for (long j = 0; j < masterFields; j++) {
            lp.expectNext("stream master fields");
            master.add(lp.bytes());
        }
        if (intEntry(lp, "master terminator") != 0) throw new RdbFormatException("stream master entry not terminated by 0");
        long total = count + deleted;
        for (long e = 0; e < total; e++) {
            long flags = intEntry(lp, "entry flags");
            long ms = masterMs + intEntry(lp, "entry id");
            long seq = masterSeq + intEntry(lp, "entry id");
            boolean same = (flags & 2) != 0;
            int n = same ? master.size() : checkedCount(intEntry(lp, "entry field count"), lp.blob.length);
            byte[][] fields = new byte[n][];
            byte[][] values = new byte[n][];
            for (int j = 0; j < n; j++) {
                if (same) {
                    fields[j] = master.get(j);
                } else {
                    lp.expectNext("stream entry fields");
                    fields[j] = lp.bytes();
                }
                lp.expectNext("stream entry values");
                values[j] = lp.bytes();
            }
            intEntry(lp, "entry lp-count");
            if ((flags & 1) == 0) out.add(new Entry(new Id(ms, seq), fields, values));
        }
        if (lp.next()) throw new RdbFormatException("stream listpack has entries beyond its counts");
    }

    private static int checkedCount(long n, int blobSize) {
        if (n < 0 || n > blobSize) throw new RdbFormatException("bad stream entry field count " + n);
        return (int) n;
    }

    private static long intEntry(Listpack lp, String what) {
        lp.expectNext("stream " + what);
        if (!lp.isInt) throw new RdbFormatException("stream " + what + " is not an integer");
        return lp.intValue;
    }

    private static long beLong(byte[] b, int p) {
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (b[p + i] & 0xff);
        return v;
    }
}
