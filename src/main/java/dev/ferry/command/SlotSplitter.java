package dev.ferry.command;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/** Cuts a command whose keys span cluster slots into per-slot commands with the same effect. */
final class SlotSplitter {
    private static final byte[] MSET = Ascii.bytes("MSET");

    private SlotSplitter() {
    }

    static List<byte[][]> split(byte[][] args, CommandSpec spec, int[] keys, ToIntFunction<byte[]> slotOf) {
        if (keys == null) return null;
        int[] slots = new int[keys.length];
        boolean oneSlot = true;
        for (int i = 0; i < keys.length; i++) {
            slots[i] = slotOf.applyAsInt(args[keys[i]]);
            oneSlot &= slots[i] == slots[0];
        }
        if (oneSlot) return List.<byte[][]>of(args);
        if (spec.split() == SlotSplit.NONE) return null;

        int width = spec.split() == SlotSplit.KEY_VALUE_PAIRS ? 2 : 1;
        Map<Integer, List<byte[]>> bySlot = new LinkedHashMap<>();
        for (int i = 0; i < keys.length; i++) {
            List<byte[]> part = bySlot.computeIfAbsent(slots[i], s -> new ArrayList<>());
            for (int j = 0; j < width; j++) part.add(args[keys[i] + j]);
        }
        // MSETNX reaches the stream only when it set every key, so each part does exactly what an MSET does.
        byte[] name = spec.name().equals("MSETNX") ? MSET : args[0];
        List<byte[][]> out = new ArrayList<>(bySlot.size());
        for (List<byte[]> part : bySlot.values()) {
            byte[][] cmd = new byte[part.size() + 1][];
            cmd[0] = name;
            for (int i = 0; i < part.size(); i++) cmd[i + 1] = part.get(i);
            out.add(cmd);
        }
        return List.copyOf(out);
    }
}
