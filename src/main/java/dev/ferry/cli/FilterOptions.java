package dev.ferry.cli;

import dev.ferry.pipeline.KeyFilter;
import dev.ferry.util.UsageException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * --db, --db-map, --match, --exclude, --type: the "What to copy" / "What to compare" section of every command that
 * copies or compares keys (worded for both). --type stays a list of words KeyFilter parses: it allows blank entries
 * ("string,") and says what it accepts in its own tested words.
 */
final class FilterOptions {
    @Option(names = "--db", split = ",", paramLabel = "DB", description = "Only these source dbs (repeatable or comma-separated).")
    List<Integer> dbs = new ArrayList<>();

    @Option(names = "--db-map", paramLabel = "FROM=TO[,FROM=TO]", description = "Source db FROM goes to target db TO (written there, or compared with it), e.g. 0=1.")
    List<String> dbMap = new ArrayList<>();

    @Option(names = "--match", paramLabel = "GLOB", description = "Only keys matching this glob (Redis glob syntax; repeatable).")
    List<String> match = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "GLOB", description = "Leave out keys matching this glob (repeatable).")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--type", paramLabel = "TYPE", description = "Only these types: string, list, set, zset, hash, stream, module (repeatable or comma-separated).")
    List<String> types = new ArrayList<>();

    KeyFilter toFilter() {
        for (int db : dbs) if (db < 0) throw new UsageException("--db must be >= 0, got " + db);
        return new KeyFilter(new HashSet<>(dbs), KeyFilter.parseDbMap(dbMap), match, exclude, KeyFilter.parseTypes(types));
    }
}
