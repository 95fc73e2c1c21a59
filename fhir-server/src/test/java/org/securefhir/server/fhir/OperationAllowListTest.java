package org.securefhir.server.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class OperationAllowListTest {

    private final OperationAllowList allowList = new OperationAllowList(Set.of("everything", "$Validate"));

    @Test
    void allowsWhenOperationIsListedThenTrueWithOrWithoutDollarAndAnyCase() {
        assertThat(allowList.allows("$everything")).isTrue();
        assertThat(allowList.allows("everything")).isTrue();
        assertThat(allowList.allows("$VALIDATE")).isTrue();
    }

    @Test
    void allowsWhenOperationIsNotListedThenFalse() {
        assertThat(allowList.allows("$expunge")).isFalse();
        assertThat(allowList.allows("$reindex")).isFalse();
        assertThat(allowList.allows("$export")).isFalse();
        assertThat(allowList.allows("$graphql")).isFalse();
    }

    @Test
    void allowsWhenNameIsNullOrEmptyThenFalse() {
        assertThat(allowList.allows(null)).isFalse();
        assertThat(allowList.allows("")).isFalse();
        assertThat(allowList.allows("$")).isFalse();
    }

    @Test
    void allowsWhenListIsEmptyThenNothingIsAllowed() {
        assertThat(new OperationAllowList(Set.of()).allows("$everything")).isFalse();
    }
}
