package dev.ferry.testkit.dragonfly.capture;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * A binary-safe key, field or member: Redis strings are bytes, and the captures hold some that are not
 * UTF-8 ({@code key\xff\x00bin}), so they cannot be Java strings.
 */
public final class Bytes implements Comparable<Bytes> {
    private final byte[] bytes;

    private Bytes(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Bytes of(byte[] bytes) {
        return new Bytes(bytes.clone());
    }

    public static Bytes utf8(String s) {
        return new Bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The expected.json key-name form: UTF-8 text, or {@code base64:<b64>} for anything else. */
    public static Bytes fromKeyName(String name) {
        return name.startsWith("base64:") ? new Bytes(Base64.getDecoder().decode(name.substring(7))) : utf8(name);
    }

    public byte[] toArray() {
        return bytes.clone();
    }

    byte[] raw() {
        return bytes;
    }

    public int length() {
        return bytes.length;
    }

    /** The same form expected.json uses for key names, so a reported key can be looked up there. */
    public String printable() {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return "base64:" + Base64.getEncoder().encodeToString(bytes);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes b && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** Unsigned byte order: how the dumper sorted set members and how Redis compares strings. */
    @Override
    public int compareTo(Bytes o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        String p = printable();
        return p.length() > 80 ? p.substring(0, 77) + "..." : p;
    }
}
