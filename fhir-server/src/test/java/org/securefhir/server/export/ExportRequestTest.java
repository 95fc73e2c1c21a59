package org.securefhir.server.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.securefhir.server.export.ExportRequest.Level;

class ExportRequestTest {

    private static final Set<String> EXPORTABLE = Set.of("Patient", "Observation", "Condition");

    private static ExportRequest parse(Map<String, String[]> parameters) {
        return ExportRequest.parse(Level.SYSTEM, Optional.empty(), parameters, EXPORTABLE);
    }

    @Test
    void whenNothingIsAskedThenEveryTypeWithoutFilters() {
        ExportRequest request = parse(Map.of());
        assertThat(request.types()).isEmpty();
        assertThat(request.since()).isEmpty();
        assertThat(request.typeFilters()).isEmpty();
    }

    @Test
    void whenTypesAreListedOrRepeatedThenEachOnceInOrder() {
        ExportRequest request = parse(Map.of("_type", new String[] {"Observation, Patient", "Observation"}));
        assertThat(request.types()).containsExactly("Observation", "Patient");
    }

    @Test
    void whenATypeCannotBeExportedThen400NamingIt() {
        assertThatThrownBy(() -> parse(Map.of("_type", new String[] {"Patient,AuditEvent"})))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("AuditEvent");
        assertThatThrownBy(() -> ExportRequest.parse(
                        Level.PATIENT, Optional.empty(), Map.of("_type", new String[] {"Organization"}), EXPORTABLE))
                .hasMessageContaining("Patient compartment");
    }

    @Test
    void whenSinceIsAnInstantThenItIsKeptElseRefused() {
        assertThat(parse(Map.of("_since", new String[] {"2026-01-31T12:00:00Z"}))
                        .since())
                .contains(Instant.parse("2026-01-31T12:00:00Z"));
        assertThat(parse(Map.of("_since", new String[] {"2026-01-31T12:00:00.250+01:00"}))
                        .since())
                .contains(Instant.parse("2026-01-31T11:00:00.250Z"));
        for (String bad : List.of("yesterday", "2026-01-31", "", "2026-13-01T00:00:00Z")) {
            assertThatThrownBy(() -> parse(Map.of("_since", new String[] {bad})))
                    .as(bad)
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("_since");
        }
        assertThatThrownBy(() -> parse(Map.of("_since", new String[] {"2026-01-31T12:00:00Z", "2026-01-31T12:00:00Z"})))
                .hasMessageContaining("once");
    }

    @Test
    void whenTypeFiltersAreGivenThenGroupedPerTypeAndOnlyForExportedTypes() {
        ExportRequest request = parse(Map.of(
                "_type", new String[] {"Observation,Patient"},
                "_typeFilter", new String[] {"Observation?code=1,Observation?status=final", "Patient?active=true"}));
        assertThat(request.typeFilters())
                .containsEntry("Observation", List.of("code=1", "status=final"))
                .containsEntry("Patient", List.of("active=true"));
        assertThatThrownBy(() -> parse(
                        Map.of("_type", new String[] {"Patient"}, "_typeFilter", new String[] {"Observation?code=1"})))
                .hasMessageContaining("not among the exported types");
        assertThatThrownBy(() -> parse(Map.of("_typeFilter", new String[] {"Observation"})))
                .hasMessageContaining("no search criteria");
    }

    @Test
    void whenAFilterChangesPagesRatherThanMatchesThenRefused() {
        for (String filter : List.of(
                "Observation?_include=Observation:subject",
                "Observation?code=1&_revinclude=Provenance:target",
                "Observation?_count=5",
                "Observation?_sort=date",
                "Observation?_elements=id",
                "Observation?_summary=true",
                "Observation?_include:iterate=Observation:subject")) {
            assertThatThrownBy(() -> parse(Map.of("_typeFilter", new String[] {filter})))
                    .as(filter)
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("may not use");
        }
    }

    @Test
    void whenAParameterIsNotSupportedOrTheFormatIsNotNdjsonThenRefused() {
        for (String name : List.of("patient", "includeAssociatedData", "_elements", "organizeOutputBy")) {
            assertThatThrownBy(() -> parse(Map.of(name, new String[] {"x"})))
                    .as(name)
                    .hasMessageContaining("not supported");
        }
        assertThatThrownBy(() -> parse(Map.of("_outputFormat", new String[] {"text/csv"})))
                .hasMessageContaining("_outputFormat");
        for (String format : List.of("application/fhir+ndjson", "application/ndjson", "ndjson", "NDJSON")) {
            assertThat(parse(Map.of("_outputFormat", new String[] {format}))).isNotNull();
        }
    }
}
