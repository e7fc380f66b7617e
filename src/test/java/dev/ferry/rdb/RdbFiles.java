package dev.ferry.rdb;

/** Builds small synthetic RDB files for tests (no corpus bytes are copied). */
final class RdbFiles {
    private final RdbOutput out = new RdbOutput(1024);

    RdbFiles(int version) {
        byte[] magic = String.format("REDIS%04d", version).getBytes();
        out.bytes(magic, 0, magic.length);
    }

    RdbFiles raw(int... bytes) {
        for (int b : bytes) out.u8(b);
        return this;
    }

    RdbFiles len(long v) {
        out.len(v);
        return this;
    }

    RdbFiles string(String s) {
        out.string(s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        return this;
    }

    RdbFiles string(byte[] s) {
        out.string(s);
        return this;
    }

    RdbFiles longLE(long v) {
        out.longLE(v);
        return this;
    }

    /** A key with a value payload (type byte + body) as the DumpPayload encoders make. */
    RdbFiles key(String key, byte[] payload) {
        out.u8(payload[0] & 0xff);
        string(key);
        out.bytes(payload, 1, payload.length - 1);
        return this;
    }

    /** EOF opcode and, with {@code checksum}, the CRC-64 footer. */
    byte[] end(boolean checksum) {
        out.u8(255);
        byte[] body = out.toByteArray();
        if (!checksum) return body;
        long crc = Crc64.of(body);
        RdbOutput o = new RdbOutput(body.length + 8);
        o.bytes(body, 0, body.length).longLE(crc);
        return o.toByteArray();
    }
}
