package org.securefhir.server.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code docs/configuration.md} is the one configuration reference: every property of every
 * {@code @ConfigurationProperties} record of the server and the authorization server is in it by
 * its full name, and every name it gives under those records' prefixes exists. A setting added,
 * renamed or removed without the reference fails the build.
 */
class ConfigurationReferenceTest {

    private static final Path REFERENCE = Path.of("..", "docs", "configuration.md");
    private static final Pattern CODE = Pattern.compile("`([a-z][a-z0-9.<>\\-_A-Z]*)`");

    @Test
    void whenTheReferenceIsReadThenEveryPropertyIsDocumentedByItsFullName() throws IOException {
        Set<String> documented = documentedNames();
        List<String> missing = new ArrayList<>();
        for (String property : properties()) {
            boolean found = property.endsWith(".<")
                    ? documented.stream().anyMatch(name -> name.startsWith(property))
                    : documented.contains(property);
            if (!found) {
                missing.add(property);
            }
        }

        assertThat(missing).as("properties missing from docs/configuration.md").isEmpty();
    }

    @Test
    void whenTheReferenceIsReadThenEveryNameItGivesUnderAPrefixOfOursExists() throws IOException {
        List<String> properties = properties();
        List<String> prefixes = prefixes();
        List<String> stale = new ArrayList<>();
        for (String name : documentedNames()) {
            if (prefixes.stream().noneMatch(prefix -> name.startsWith(prefix + "."))) {
                continue;
            }
            String asMap = name.contains(".<") ? name.substring(0, name.indexOf(".<") + 2) : null;
            if (!properties.contains(name) && (asMap == null || !properties.contains(asMap))) {
                stale.add(name);
            }
        }

        assertThat(stale)
                .as("names in docs/configuration.md that are no property")
                .isEmpty();
    }

    @Test
    void whenTheRecordsAreReadThenTheirPropertiesAreFound() {
        // the check can fail: it sees nested records, maps and both modules
        assertThat(properties())
                .contains(
                        "fhir.server.max-page-size",
                        "audit.schema-admin.username",
                        "crypto.key-encryption-keys.<",
                        "smart.auth.hashing.memory-kib");
    }

    private static Set<String> documentedNames() throws IOException {
        Set<String> names = new TreeSet<>();
        Matcher code = CODE.matcher(Files.readString(REFERENCE, StandardCharsets.UTF_8));
        while (code.find()) {
            names.add(code.group(1));
        }
        return names;
    }

    private static final List<JavaClass> RECORDS = configurationRecords();

    private static List<JavaClass> configurationRecords() {
        List<JavaClass> records = new ArrayList<>();
        new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.securefhir.server", "org.securefhir.auth")
                .forEach(type -> {
                    if (type.isAnnotatedWith(ConfigurationProperties.class)) {
                        records.add(type);
                    }
                });
        return records;
    }

    private static List<String> prefixes() {
        return RECORDS.stream().map(type -> prefix(type.reflect())).toList();
    }

    private static List<String> properties() {
        List<String> properties = new ArrayList<>();
        for (JavaClass type : RECORDS) {
            Class<?> record = type.reflect();
            assertThat(record.isRecord()).as(record + " is an immutable record").isTrue();
            collect(prefix(record), record, properties);
        }
        return properties;
    }

    private static String prefix(Class<?> record) {
        ConfigurationProperties annotation = record.getAnnotation(ConfigurationProperties.class);
        return annotation.prefix().isEmpty() ? annotation.value() : annotation.prefix();
    }

    private static void collect(String prefix, Class<?> record, List<String> into) {
        for (RecordComponent component : record.getRecordComponents()) {
            String name = prefix + "." + kebab(component.getName());
            Class<?> type = component.getType();
            if (type.isRecord() && type.getName().startsWith("org.securefhir")) {
                collect(name, type, into);
            } else if (Map.class.isAssignableFrom(type)) {
                into.add(name + ".<");
            } else {
                into.add(name);
            }
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }
}
