package dev.ferry.source;

import dev.ferry.server.Slots;
import java.util.BitSet;

/** Which keys one source shard holds: all of them (a standalone master), or those in its slots (a cluster master). */
public final class KeyScope {
    public static final KeyScope ALL = new KeyScope(null);

    private final BitSet slots;

    private KeyScope(BitSet slots) {
        this.slots = slots;
    }

    public static KeyScope slots(BitSet slots) {
        return new KeyScope((BitSet) slots.clone());
    }

    public boolean all() {
        return slots == null;
    }

    public boolean owns(byte[] key) {
        return slots == null || slots.get(Slots.of(key));
    }
}
