package dev.ferry.testkit.dragonfly.capture;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What {@link ExpectedDataset#differences} leaves out.
 *
 * @param excludedTypes     key types (TYPE replies) skipped entirely, for targets that cannot hold them
 * @param compareFieldTtls  check hash field TTLs; when off, fields past their TTL are neither required nor forbidden
 * @param compareMemberTtls the same for set member TTLs (a Dragonfly-only feature)
 */
public record CompareOptions(Set<String> excludedTypes, boolean compareFieldTtls, boolean compareMemberTtls) {

    /** Types only Dragonfly (or Redis with modules) holds: JSON, bloom, count-min sketch, top-k, cuckoo. */
    public static final Set<String> DRAGONFLY_ONLY_TYPES = Set.of("ReJSON-RL", "MBbloom--", "CMSk-TYPE", "TopK-TYPE", "MBbloomCF");

    public CompareOptions {
        excludedTypes = Set.copyOf(excludedTypes);
    }

    /** Everything compared. */
    public static CompareOptions strict() {
        return new CompareOptions(Set.of(), true, true);
    }

    /** For a plain Redis target: no Dragonfly-only types, no field or member TTLs. */
    public static CompareOptions redisTarget() {
        return new CompareOptions(DRAGONFLY_ONLY_TYPES, false, false);
    }

    public CompareOptions excludingTypes(String... types) {
        Set<String> s = new HashSet<>(excludedTypes);
        s.addAll(List.of(types));
        return new CompareOptions(s, compareFieldTtls, compareMemberTtls);
    }

    public CompareOptions withoutFieldTtls() {
        return new CompareOptions(excludedTypes, false, compareMemberTtls);
    }

    public CompareOptions withoutMemberTtls() {
        return new CompareOptions(excludedTypes, compareFieldTtls, false);
    }
}
