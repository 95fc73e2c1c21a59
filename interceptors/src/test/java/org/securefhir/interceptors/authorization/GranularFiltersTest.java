package org.securefhir.interceptors.authorization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SMART App Launch 2.2 §3.2 (finer-grained resource constraints using search parameters). */
class GranularFiltersTest {

    @Test
    void whenFiltersOnOneParameterThenOrCombinedAndAndedWithTheClientsOwn() {
        Map<String, String[]> parameters = new HashMap<>(Map.of("category", new String[] {"vital-signs"}));

        GranularFilters.narrow(List.of("category=s|laboratory", "category=s|vital-signs"), parameters);

        assertThat(parameters.get("category")).containsExactly("vital-signs", "s|laboratory,s|vital-signs");
    }

    @Test
    void whenFiltersOnDifferentParametersThenRefused() {
        assertThatThrownBy(() -> GranularFilters.narrow(List.of("category=a", "code=b"), new HashMap<>()))
                .isInstanceOf(ForbiddenOperationException.class);
        assertThatThrownBy(() -> GranularFilters.narrow(List.of("category=a&code=b"), new HashMap<>()))
                .isInstanceOf(ForbiddenOperationException.class);
    }
}
