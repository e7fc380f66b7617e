package dev.ferry.command;

/**
 * Finders for commands whose keys hide among options, scanned the way Redis's own getkeys procedures scan
 * them (src/db.c), so that a key or value spelled like an option is not mistaken for one.
 */
final class OptionKeys {
    private OptionKeys() {
    }

    /** SORT key [BY p] [LIMIT o c] [GET p]... [STORE dst]: the key and, if given, the last STORE target. */
    static int[] sort(byte[][] args) {
        if (args.length < 2) return null;
        int store = -1;
        for (int i = 2; i < args.length; i++) {
            if (Ascii.is(args[i], "LIMIT")) i += 2;
            else if (Ascii.is(args[i], "GET") || Ascii.is(args[i], "BY")) i += 1;
            else if (Ascii.is(args[i], "STORE") && i + 1 < args.length) store = ++i;
        }
        return store < 0 ? new int[] {1} : new int[] {1, store};
    }

    /** GEORADIUS and GEORADIUSBYMEMBER: the key and, if given, the last STORE or STOREDIST target. */
    static KeyFinder geoRadius(int optionsFrom) {
        return args -> {
            if (args.length < optionsFrom) return null;
            int store = -1;
            for (int i = optionsFrom; i < args.length; i++) {
                if ((Ascii.is(args[i], "STORE") || Ascii.is(args[i], "STOREDIST")) && i + 1 < args.length) store = ++i;
            }
            return store < 0 ? new int[] {1} : new int[] {1, store};
        };
    }

    /** XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS k... id...: the first half after STREAMS. */
    static int[] xreadgroup(byte[][] args) {
        int streams = -1;
        for (int i = 1; i < args.length; i++) {
            if (Ascii.is(args[i], "BLOCK") || Ascii.is(args[i], "COUNT")) i += 1;
            else if (Ascii.is(args[i], "GROUP")) i += 2;
            else if (Ascii.is(args[i], "NOACK")) continue;
            else if (Ascii.is(args[i], "STREAMS")) {
                streams = i;
                break;
            } else break;
        }
        int rest = streams < 0 ? 0 : args.length - streams - 1;
        if (rest == 0 || rest % 2 != 0) return null;
        int[] keys = new int[rest / 2];
        for (int i = 0; i < keys.length; i++) keys[i] = streams + 1 + i;
        return keys;
    }
}
