package dev.ferry.rdb;

import dev.ferry.command.ValueType;
import dev.ferry.record.ElementBatch;
import dev.ferry.record.KeyValue;
import java.util.function.Consumer;

/**
 * Decodes a {@link KeyValue} payload (type byte + serialised value) into element batches, the same shapes
 * the reader produces for big values; for writers whose target cannot take the payload as it is.
 */
public final class RdbValueDecoder {
    private RdbValueDecoder() {
    }

    /**
     * Decodes strings (one STRING batch), lists, sets, zsets and hashes (every encoding).
     *
     * @throws RdbFormatException if the payload is corrupt, or holds a stream (use {@link #decodeStream})
     *                            or a module value (cannot be decoded without the module)
     */
    public static void decode(KeyValue kv, int batchSize, Consumer<ElementBatch> sink) {
        decode(kv.payload(), kv.db(), kv.key(), batchSize, sink);
    }

    /** As {@link #decode(KeyValue, int, Consumer)} for a bare payload. */
    public static void decode(byte[] payload, int batchSize, Consumer<ElementBatch> sink) {
        decode(payload, 0, null, batchSize, sink);
    }

    /** The single string a payload holds (a string value, or Dragonfly's JSON text). */
    /**
     * The value of a string payload ({@code [type 0][string]}) that is stored raw, copied straight out without a
     * decoder (the common case, on the import's hot path), or null when it is integer- or LZF-encoded or not a
     * plain string: {@link #decodeString} reads those.
     */
    public static byte[] rawString(byte[] payload) {
        if (payload.length < 2 || payload[0] != 0) return null;
        int b = payload[1] & 0xff;
        int from;
        long len;
        switch (b >>> 6) {
            case 0 -> { len = b & 0x3f; from = 2; }
            case 1 -> {
                if (payload.length < 3) return null;
                len = (b & 0x3f) << 8 | (payload[2] & 0xff);
                from = 3;
            }
            case 2 -> {
                if (b != 0x80 || payload.length < 6) return null; // 0x81: a 64-bit length, never a key of ours
                len = (payload[2] & 0xffL) << 24 | (payload[3] & 0xff) << 16 | (payload[4] & 0xff) << 8 | (payload[5] & 0xff);
                from = 6;
            }
            default -> { return null; } // an encoded string
        }
        if (from + len != payload.length) return null; // not the whole payload: let the decoder say what is wrong
        return java.util.Arrays.copyOfRange(payload, from, payload.length);
    }

    public static byte[] decodeString(KeyValue kv) {
        RdbInput in = input(kv.payload(), kv.db(), kv.key());
        in.readU8();
        return in.readString();
    }

    public static StreamValue decodeStream(KeyValue kv) {
        return decodeStream(kv.payload(), kv.db(), kv.key());
    }

    public static StreamValue decodeStream(byte[] payload) {
        return decodeStream(payload, 0, null);
    }

    private static void decode(byte[] payload, int db, byte[] key, int batchSize,
                               Consumer<ElementBatch> sink) {
        RdbInput in = input(payload, db, key);
        int type = payload[0] & 0xff;
        ValueType vt = ValueType.ofRdbType(type);
        try {
            in.readU8();
            if (vt == ValueType.STREAM) throw new RdbFormatException("stream values decode with decodeStream, not into element batches");
            if (vt == ValueType.MODULE) throw new RdbFormatException(moduleMessage(type, payload));
            if (vt == null) throw new RdbFormatException("unknown RDB value type " + type);
            Batcher b = new Batcher(vt, batchSize, sink);
            ElementDecoder.decode(type, in, b, false);
            if (!in.atEnd()) throw new RdbFormatException("trailing bytes after the value");
        } catch (RdbFormatException e) {
            throw located(e, in, db, key);
        }
    }

    private static StreamValue decodeStream(byte[] payload, int db, byte[] key) {
        RdbInput in = input(payload, db, key);
        int type = payload[0] & 0xff;
        try {
            in.readU8();
            if (ValueType.ofRdbType(type) != ValueType.STREAM) throw new RdbFormatException("RDB type " + type + " is not a stream");
            StreamValue v = StreamValue.read(type, in, true);
            if (!in.atEnd()) throw new RdbFormatException("trailing bytes after the value");
            return v;
        } catch (RdbFormatException e) {
            throw located(e, in, db, key);
        }
    }

    private static RdbInput input(byte[] payload, int db, byte[] key) {
        if (payload == null || payload.length == 0) throw RdbFormatException.at("corrupt payload", 0, db, key, "empty payload");
        return new RdbInput(payload, 0, payload.length);
    }

    private static RdbFormatException located(RdbFormatException e, RdbInput in, int db, byte[] key) {
        return e.located() ? e : RdbFormatException.at("corrupt payload", in.position(), db, key, e);
    }

    /** The 9-character type name of a module value's payload (its module id), or null when unreadable. */
    public static String moduleTypeName(byte[] payload) {
        if (payload == null || payload.length < 2) return null;
        try {
            return ModuleId.name(new RdbInput(payload, 1, payload.length - 1).readLen());
        } catch (RdbFormatException e) {
            return null;
        }
    }

    private static String moduleMessage(int type, byte[] payload) {
        String name = "?";
        try {
            RdbInput in = new RdbInput(payload, 1, payload.length - 1);
            name = ModuleId.name(in.readLen());
        } catch (RdbFormatException ignored) {
            // the name is only for the message
        }
        return "module value (RDB type " + type + ", module \"" + name + "\") cannot be decoded without the module";
    }
}
