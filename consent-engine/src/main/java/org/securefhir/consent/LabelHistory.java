package org.securefhir.consent;

import java.util.Set;

/**
 * The security labels a resource has carried in any of its versions. A label on any version
 * protects every version: reading an earlier, unlabelled version ({@code vread}, {@code _history})
 * of a resource labelled later is judged with the later label too.
 */
@FunctionalInterface
public interface LabelHistory {

    /** Every label code of every stored version of {@code type/id} (empty when it has none). */
    Set<String> everyVersion(String type, String id);
}
