package org.securefhir.server.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.properties.HasName;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Which module may depend on which (docs/architecture.md): the SMART vocabulary on nothing but the
 * JDK; the FHIR-side safeguards (interceptors, consent) on the vocabulary, never on the
 * authorization server; interceptors never on consent or on the server's wiring. Read from the
 * modules' compiled classes, so a forbidden dependency fails the build even if a Maven dependency
 * brings the classes back. And every interceptor is registered in one class.
 */
class ArchitectureTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.securefhir");

    private static final String AUTHORIZATION_SERVER = "org.securefhir.auth..";

    /** A line of the package map: {@code | `o.s.<package>` | module | ...}. */
    private static final Pattern PACKAGE_LINE = Pattern.compile("(?m)^\\| `o\\.s\\.([a-z.]+)` \\|");

    @Test
    void whenTheFhirSideSafeguardsAreReadThenNoneDependsOnTheAuthorizationServer() {
        fhirSideMustNotDependOnTheAuthorizationServer().check(CLASSES);
    }

    @Test
    void whenTheRuleIsAppliedToTheServerWiringThenItFindsItsDependencies() {
        // the rule can fail: the application module does depend on the authorization server
        ArchRule wiring = noClasses()
                .that()
                .resideInAPackage("org.securefhir.server..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage(AUTHORIZATION_SERVER);

        assertThat(CLASSES.containPackage("org.securefhir.interceptors.authorization"))
                .isTrue();
        assertThat(CLASSES.containPackage("org.securefhir.consent")).isTrue();
        assertThatThrownBy(() -> wiring.check(CLASSES)).isInstanceOf(AssertionError.class);
    }

    @Test
    void whenTheVocabularyIsReadThenItDependsOnTheJdkAlone() {
        classes()
                .that()
                .resideInAPackage("org.securefhir.smart..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage("org.securefhir.smart..", "java..")
                .check(CLASSES);
    }

    @Test
    void whenTheInterceptorsAreReadThenTheyDependNeitherOnConsentNorOnTheServerWiring() {
        noClasses()
                .that()
                .resideInAPackage("org.securefhir.interceptors..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.securefhir.consent..", "org.securefhir.server..")
                .check(CLASSES);
    }

    @Test
    void whenConsentIsReadThenItDoesNotDependOnTheServerWiring() {
        noClasses()
                .that()
                .resideInAPackage("org.securefhir.consent..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.securefhir.server..")
                .check(CLASSES);
    }

    @Test
    void whenInterceptorsAreRegisteredThenOnlyFhirInterceptorsRegistersThem() {
        onlyFhirInterceptorsRegisters().check(CLASSES);
    }

    @Test
    void whenTheRegistrationRuleIsReadThenItSeesRegistrationCalls() {
        // the rule can fail: FhirInterceptors itself calls registerInterceptor
        ArchRule nobody = noClasses()
                .should()
                .callMethodWhere(JavaCall.Predicates.target(HasName.Predicates.name("registerInterceptor")));

        assertThatThrownBy(() -> nobody.check(CLASSES)).isInstanceOf(AssertionError.class);
    }

    @Test
    void whenThePackageMapIsReadThenItHasOneLinePerPackageOfEveryModule() throws Exception {
        Set<String> packages = new TreeSet<>();
        CLASSES.forEach(type -> packages.add(type.getPackageName()));
        List<String> mapped = new ArrayList<>();
        Matcher line = PACKAGE_LINE.matcher(Files.readString(Path.of("..", "docs", "architecture.md")));
        while (line.find()) {
            mapped.add("org.securefhir." + line.group(1));
        }

        assertThat(packages).as("packages of the modules").contains("org.securefhir.smart", "org.securefhir.auth.mfa");
        assertThat(mapped).as("docs/architecture.md package map").containsExactlyInAnyOrderElementsOf(packages);
    }

    private static ArchRule onlyFhirInterceptorsRegisters() {
        return noClasses()
                .that()
                .doNotHaveFullyQualifiedName("org.securefhir.server.fhir.FhirInterceptors")
                .should()
                .callMethodWhere(JavaCall.Predicates.target(HasName.Predicates.name("registerInterceptor")))
                .orShould()
                .callMethodWhere(JavaCall.Predicates.target(HasName.Predicates.name("registerInterceptors")))
                .because("every interceptor is registered in one place, FhirInterceptors (docs/architecture.md)");
    }

    private static ArchRule fhirSideMustNotDependOnTheAuthorizationServer() {
        return noClasses()
                .that()
                .resideInAnyPackage("org.securefhir.interceptors..", "org.securefhir.consent..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage(AUTHORIZATION_SERVER);
    }
}
