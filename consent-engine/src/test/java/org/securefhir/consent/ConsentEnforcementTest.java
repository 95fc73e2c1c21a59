package org.securefhir.consent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.securefhir.consent.TestResources.observation;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceAccessDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.api.server.SimplePreResourceAccessDetails;
import ca.uhn.fhir.rest.api.server.SimplePreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;

/**
 * What the consent interceptor does at each of HAPI's pointcuts (docs/consent.md): refuses the
 * requests whose outcome would tell what consent withholds, judges users' writes, refuses counts
 * consent could skew, judges a search's matches from the indexes, and leaves no trace of a withheld
 * resource in a response.
 */
class ConsentEnforcementTest {

    private final TestConsentEngine fixture = new TestConsentEngine();
    /** The store the deletes' existence check reads, and what it was asked. */
    private final Map<String, IBaseResource> stored = new HashMap<>();

    private final List<String> storedLookups = new ArrayList<>();
    /** What the storage's indexes tell about a search's matches (empty: they cannot tell). */
    private Optional<List<FoundResources.Found>> indexed = Optional.empty();

    private RuntimeException indexFailure;
    private int indexLookups;

    private ConsentEnforcement enforcement() {
        return new ConsentEnforcement(
                fixture.build(),
                details -> {
                    indexLookups++;
                    if (indexFailure != null) {
                        throw indexFailure;
                    }
                    return indexed;
                },
                (type, id) -> {
                    storedLookups.add(type + "/" + id);
                    return Optional.ofNullable(stored.get(type + "/" + id));
                });
    }

    private static RequestDetails request(RestOperationTypeEnum operation, String url) {
        return TestRequests.user(operation, url).build();
    }

    private static FoundResources.Found found(String type, String id, String patient) {
        return new FoundResources.Found(
                ResourceFacts.of(
                        type,
                        id,
                        Set.of(),
                        patient == null ? Set.of() : Set.of(patient),
                        patient == null ? Set.of() : Set.of("Patient/" + patient)),
                "1");
    }

    /** A search's matches as the storage hands them over before loading them: loading one fails the test. */
    private static final class UnloadedMatches implements IPreResourceAccessDetails {

        private final int size;
        private final Set<Integer> withheld = new TreeSet<>();

        UnloadedMatches(int size) {
            this.size = size;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public IBaseResource getResource(int index) {
            throw new AssertionError("match " + index + " was loaded to be judged");
        }

        @Override
        public void setDontReturnResourceAtIndex(int index) {
            withheld.add(index);
        }
    }

    @Test
    void whenASearchReverseChainsOverPatientDataThenItIsRefusedWith403BeforeAnythingIsLookedUp() {
        // given billing staff
        fixture.token(TestTokens.billing("billing-app"));
        ConsentEnforcement enforcement = enforcement();
        RequestDetails request =
                request(RestOperationTypeEnum.SEARCH_TYPE, "Patient?_has:Observation:patient:code=1234");

        // when the request comes in, then it is refused, saying why
        assertThatThrownBy(() -> enforcement.refuseOracles(request))
                .isInstanceOfSatisfying(
                        ForbiddenOperationException.class,
                        e -> assertThat(e.getStatusCode()).isEqualTo(403))
                .hasMessage("Access denied: search parameter _has matches over data patient consent may withhold"
                        + " from you; search that type directly");
        assertThat(storedLookups).isEmpty();
    }

    @Test
    void whenAUserAppDeletesAnIdThatDoesNotExistThenItIs404LikeAWithheldOne() {
        // given a physician's app, and a store holding Observation/o1
        fixture.token(TestTokens.physician("doc"));
        stored.put("Observation/o1", observation("o1", "p1"));
        ConsentEnforcement enforcement = enforcement();

        // when it deletes an absent id, then 404 (HAPI alone would answer 200 "not found")
        assertThatThrownBy(() -> enforcement.refuseOracles(request(RestOperationTypeEnum.DELETE, "Observation/gone")))
                .isInstanceOfSatisfying(
                        ResourceNotFoundException.class,
                        e -> assertThat(e.getStatusCode()).isEqualTo(404))
                .hasMessageContaining("Observation/gone");
        // and a stored id goes on to be judged as stored; directory data is not looked up
        assertThatCode(() -> enforcement.refuseOracles(request(RestOperationTypeEnum.DELETE, "Observation/o1")))
                .doesNotThrowAnyException();
        assertThatCode(() -> enforcement.refuseOracles(request(RestOperationTypeEnum.DELETE, "Practitioner/gone")))
                .doesNotThrowAnyException();
        assertThat(storedLookups).containsExactly("Observation/gone", "Observation/o1");
    }

    @Test
    void whenABackendServiceDeletesAnAbsentIdThenItGetsHapisOwnAnswer() {
        // given an interface engine (system/ scopes only)
        fixture.token(TestTokens.backendService());
        ConsentEnforcement enforcement = enforcement();

        // when it deletes an absent id, then nothing is refused or looked up
        assertThatCode(() -> enforcement.refuseOracles(request(RestOperationTypeEnum.DELETE, "Observation/gone")))
                .doesNotThrowAnyException();
        assertThat(storedLookups).isEmpty();
    }

    @Test
    void whenAUserAppUpdatesOrDeletesAStoredResourceConsentWithholdsThenItIs404AndNothingChanges() {
        // given a physician who does not treat p1
        fixture.token(TestTokens.physician("doc"));
        ConsentEnforcement enforcement = enforcement();
        Observation storedVersion = observation("o1", "p1");

        // when they update or delete p1's stored observation, then it answers as if absent
        assertThatThrownBy(() -> enforcement.judgeUpdated(
                        request(RestOperationTypeEnum.UPDATE, "Observation/o1"),
                        storedVersion,
                        observation("o1", "p1")))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageContaining("Observation/o1");
        assertThatThrownBy(() -> enforcement.judgeDeleted(
                        request(RestOperationTypeEnum.DELETE, "Observation/o1"), storedVersion))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageContaining("Observation/o1");

        // and once they treat p1, the write goes on
        fixture.treats("Practitioner/doc", "p1");
        assertThatCode(() -> enforcement.judgeUpdated(
                        request(RestOperationTypeEnum.UPDATE, "Observation/o1"),
                        storedVersion,
                        observation("o1", "p1")))
                .doesNotThrowAnyException();
    }

    @Test
    void whenTheServerWritesOnItsOwnBehalfThenItsWritesAreNotJudged() {
        // given the token of a physician who treats nobody in sight, and the server's own requests
        fixture.token(TestTokens.physician("doc"));
        ConsentEnforcement enforcement = enforcement();
        SystemRequestDetails system = new SystemRequestDetails();
        system.setRestOperationType(RestOperationTypeEnum.UPDATE);
        system.setResourceName("Observation");

        // when the server updates, deletes or creates under a client-assigned id, then nothing is refused
        assertThatCode(() -> {
                    enforcement.judgeUpdated(system, observation("o1", "p1"), observation("o1", "p1"));
                    enforcement.judgeDeleted(system, observation("o1", "p1"));
                    enforcement.judgeCreated(system, observation("o1", "p1"));
                    enforcement.judgeUpdated(null, observation("o1", "p1"), observation("o1", "p1"));
                    enforcement.judgeCreated(null, observation("o1", "p1"));
                })
                .doesNotThrowAnyException();
    }

    @Test
    void whenAUserAppsUpdateWouldCreateUnderAClientAssignedIdThenItIs404ButACreateOrABackendsUpdateIsNot() {
        // given a physician's app
        fixture.token(TestTokens.physician("doc"));
        ConsentEnforcement enforcement = enforcement();

        // when its update would create Observation/new-id, then 404 (create with POST)
        assertThatThrownBy(() -> enforcement.judgeCreated(
                        request(RestOperationTypeEnum.UPDATE, "Observation/new-id"), observation("new-id", "p1")))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageContaining("Observation/new-id");
        // and a create with POST is not refused here
        assertThatCode(() -> enforcement.judgeCreated(
                        request(RestOperationTypeEnum.CREATE, "Observation"), observation("server-id", "p1")))
                .doesNotThrowAnyException();

        // nor a backend service's update that creates
        fixture.token(TestTokens.backendService());
        assertThatCode(() -> enforcement.judgeCreated(
                        request(RestOperationTypeEnum.UPDATE, "Observation/new-id"), observation("new-id", "p1")))
                .doesNotThrowAnyException();
    }

    @Test
    void whenACountIsAskedWhereConsentCouldWithholdWhatItCountsThenItIsA400SayingToPageInstead() {
        // given billing staff
        fixture.token(TestTokens.billing("billing-app"));
        ConsentEnforcement enforcement = enforcement();

        // when they count observations, then each way of counting is refused with the same message
        for (String url : List.of("Observation?_summary=count", "Observation?code=1234&_total=accurate")) {
            assertThatThrownBy(() -> enforcement.interceptPreHandled(request(RestOperationTypeEnum.SEARCH_TYPE, url)))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("Counts (_summary=count, _total=accurate) are not available where patient consent"
                            + " applies: resources consent withholds must not be counted. Page through the results"
                            + " instead.");
        }
    }

    @Test
    void whenACountCannotIncludeAnythingConsentWithholdsThenItIsAnsweredAndTheRequestLeftUnjudged() {
        // given billing staff counting Consents (an exempt type they see unjudged), and a plain search of them
        fixture.token(TestTokens.billing("billing-app"));
        ConsentEnforcement enforcement = enforcement();
        RequestDetails count = request(RestOperationTypeEnum.SEARCH_TYPE, "Consent?status=active&_total=accurate");
        RequestDetails plain = request(RestOperationTypeEnum.SEARCH_TYPE, "Consent?status=active");

        // when they come in
        enforcement.interceptPreHandled(count);
        enforcement.interceptPreHandled(plain);

        // then the count is answered (HAPI alone refuses every count) from a request consent no longer
        // judges (so its results may come from the search cache); the plain search is judged
        assertThat(enforcement.interceptPreCheckForCachedSearch(count)).isTrue();
        assertThat(enforcement.interceptPreCheckForCachedSearch(plain)).isFalse();
    }

    @Test
    void whenMetaIsAskedWhereConsentAppliesThenItIsRefusedWith403() {
        // given a physician's app and an exempt admin
        fixture.exemptRole("admin").token(TestTokens.physician("doc"));
        ConsentEnforcement enforcement = enforcement();

        // when the physician asks for a resource's tags and security labels, then 403
        assertThatThrownBy(() ->
                        enforcement.interceptPreHandled(request(RestOperationTypeEnum.META, "Observation/o1/$meta")))
                .isInstanceOf(ForbiddenOperationException.class)
                .hasMessage("$meta is not available where patient consent applies; read the resource instead");

        // and the exempt admin is answered
        fixture.token(TestTokens.admin());
        assertThatCode(() ->
                        enforcement.interceptPreHandled(request(RestOperationTypeEnum.META, "Observation/o1/$meta")))
                .doesNotThrowAnyException();
    }

    @Test
    void whenTheIndexesTellASearchsMatchesThenTheyAreJudgedWithoutLoadingThemAndTheWithheldLeftOut() {
        // given billing staff, p1's general refusal, and matches of p1, p2 and nobody
        fixture.token(TestTokens.billing("billing-app"))
                .consent(TestConsents.deny("c1", "p1", "general").build());
        indexed = Optional.of(List.of(
                found("Observation", "o1", "p1"), found("Observation", "o2", "p2"), found("Practitioner", "x", null)));
        ConsentEnforcement enforcement = enforcement();
        RequestDetails search = request(RestOperationTypeEnum.SEARCH_TYPE, "Observation?code=1234");
        UnloadedMatches matches = new UnloadedMatches(3);

        // when HAPI hands over the matches before loading them
        enforcement.interceptPreAccess(search, matches);

        // then only p1's is left out of the result set, and none was loaded
        assertThat(matches.withheld).containsExactly(0);
        assertThat(indexLookups).isEqualTo(1);
    }

    @Test
    void whenTheIndexesCannotTellTheFactsThenTheLoadedMatchesAreJudgedFromTheirContent() {
        // given billing staff and p1's general refusal, and indexes that cannot tell (empty)
        fixture.token(TestTokens.billing("billing-app"))
                .consent(TestConsents.deny("c1", "p1", "general").build());
        ConsentEnforcement enforcement = enforcement();
        RequestDetails search = request(RestOperationTypeEnum.SEARCH_TYPE, "Observation?code=1234");
        SimplePreResourceAccessDetails matches =
                new SimplePreResourceAccessDetails(List.of(observation("o1", "p1"), observation("o2", "p2")));

        // when HAPI hands over the loaded matches
        enforcement.interceptPreAccess(search, matches);

        // then p1's is left out
        assertThat(matches.isDontReturnResourceAtIndex(0)).isTrue();
        assertThat(matches.isDontReturnResourceAtIndex(1)).isFalse();
    }

    @Test
    void whenTheIndexesCannotBeReadThenTheSearchFailsClosedWith503() {
        // given billing staff and indexes that cannot be reached
        fixture.token(TestTokens.billing("billing-app"));
        indexFailure = new IllegalStateException("connection refused");
        ConsentEnforcement enforcement = enforcement();
        RequestDetails search = request(RestOperationTypeEnum.SEARCH_TYPE, "Observation?code=1234");

        // when HAPI hands over a search's matches, then nothing is returned: 503
        assertThatThrownBy(() -> enforcement.interceptPreAccess(search, new UnloadedMatches(2)))
                .isInstanceOfSatisfying(
                        ConsentUnavailableException.class,
                        e -> assertThat(e.getStatusCode()).isEqualTo(503));
        // and a refusal of HAPI's own (a FHIR error) keeps its status
        indexFailure = new InvalidRequestException("bad search");
        assertThatThrownBy(() -> enforcement.interceptPreAccess(search, new UnloadedMatches(2)))
                .isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void whenAWriteLoadsOrStoresAResourceConsentWithholdsThenNothingIsWithheldFromTheWrite() {
        // given billing staff and p1's general refusal
        fixture.token(TestTokens.billing("billing-app"))
                .consent(TestConsents.deny("c1", "p1", "general").build());
        ConsentEnforcement enforcement = enforcement();

        // when an update loads the version it replaces, a transaction shows its entries, a create its result
        SimplePreResourceAccessDetails replaced = new SimplePreResourceAccessDetails(observation("o1", "p1"));
        enforcement.interceptPreAccess(request(RestOperationTypeEnum.UPDATE, "Observation/o1"), replaced);
        SimplePreResourceShowDetails entries = new SimplePreResourceShowDetails(observation("o1", "p1"));
        enforcement.interceptPreShow(request(RestOperationTypeEnum.TRANSACTION, ""), entries);
        Observation sent = observation("o2", "p1");
        ResponseDetails created = new ResponseDetails(201, sent);
        enforcement.interceptOutgoingResponse(request(RestOperationTypeEnum.CREATE, "Observation"), created);

        // then nothing is withheld, and the indexes were not asked
        assertThat(replaced.isDontReturnResourceAtIndex(0)).isFalse();
        assertThat(entries.getResource(0)).isNotNull();
        assertThat(created.getResponseResource()).isSameAs(sent);
        assertThat(indexLookups).isZero();
    }

    @Test
    void whenAReadOrPatchResultIsShownThenAWithheldResourceIsRemoved() {
        // given billing staff and p1's general refusal
        fixture.token(TestTokens.billing("billing-app"))
                .consent(TestConsents.deny("c1", "p1", "general").build());
        ConsentEnforcement enforcement = enforcement();
        Observation allowed = observation("o2", "p2");
        SimplePreResourceShowDetails shown =
                new SimplePreResourceShowDetails(List.of(observation("o1", "p1"), allowed));
        ResponseDetails patched = new ResponseDetails(200, observation("o1", "p1"));
        ResponseDetails matchedCreate = new ResponseDetails(200, observation("o1", "p1"));

        // when a read's resources are shown, a patch answers, a conditional create answers with the match
        enforcement.interceptPreShow(request(RestOperationTypeEnum.READ, "Observation/o1"), shown);
        enforcement.interceptOutgoingResponse(request(RestOperationTypeEnum.PATCH, "Observation/o1"), patched);
        enforcement.interceptOutgoingResponse(request(RestOperationTypeEnum.CREATE, "Observation"), matchedCreate);

        // then p1's observation is gone from each
        assertThat(shown.getResource(0)).isNull();
        assertThat(shown.getResource(1)).isSameAs(allowed);
        assertThat(patched.getResponseResource()).isNull();
        assertThat(patched.getResponseCode()).isEqualTo(204);
        assertThat(matchedCreate.getResponseResource()).isNull();
    }

    @Test
    void whenASearchBundleLeavesThenAWithheldEntryLeavesNeitherContentIdNorPlaceNorCount() {
        // given billing staff, p1's general refusal, and a page of three matches
        fixture.token(TestTokens.billing("billing-app"))
                .consent(TestConsents.deny("c1", "p1", "general").build());
        ConsentEnforcement enforcement = enforcement();
        Bundle page = new Bundle().setType(Bundle.BundleType.SEARCHSET).setTotal(3);
        page.addEntry().setFullUrl(TestRequests.BASE + "/Observation/o1").setResource(observation("o1", "p1"));
        page.addEntry().setFullUrl(TestRequests.BASE + "/Observation/o2").setResource(observation("o2", "p2"));
        page.addEntry().setFullUrl(TestRequests.BASE + "/Practitioner/x").setResource(TestResources.practitioner("x"));
        RequestDetails search = request(RestOperationTypeEnum.SEARCH_TYPE, "Observation?code=1234");

        // when the response goes out
        ResponseDetails response = new ResponseDetails(200, page);
        enforcement.interceptOutgoingResponse(search, response);
        enforcement.removeWithheldEntries(response.getResponseResource());

        // then p1's entry is gone entirely, and no total is given
        assertThat(page.getEntry())
                .extracting(Bundle.BundleEntryComponent::getFullUrl)
                .containsExactly(TestRequests.BASE + "/Observation/o2", TestRequests.BASE + "/Practitioner/x");
        assertThat(page.hasTotal()).isFalse();
    }

    @Test
    void whenAResponseBundleHasEntriesWithoutAResourceThenOnlyTheEntriesConsentEmptiedAreRemoved() {
        // given a batch response whose read entry was emptied (its place answers its request)
        Bundle batch = new Bundle().setType(Bundle.BundleType.BATCHRESPONSE);
        batch.addEntry().getResponse().setStatus("200 OK");
        batch.addEntry().setResource(observation("o2", "p2")).getResponse().setStatus("200 OK");
        // and a history: a deletion (no resource by nature), a version consent emptied, the first version
        Bundle history = new Bundle().setType(Bundle.BundleType.HISTORY);
        Bundle.BundleEntryComponent deletion =
                history.addEntry().setFullUrl(TestRequests.BASE + "/Observation/o1/_history/3");
        deletion.getRequest().setMethod(Bundle.HTTPVerb.DELETE).setUrl("Observation/o1");
        deletion.getResponse().setStatus("200 OK");
        history.addEntry().setFullUrl(TestRequests.BASE + "/Observation/o1/_history/2");
        history.addEntry()
                .setFullUrl(TestRequests.BASE + "/Observation/o1/_history/1")
                .setResource(observation("o1", "p1"));
        ConsentEnforcement enforcement = enforcement();

        // when they leave
        enforcement.removeWithheldEntries(batch);
        enforcement.removeWithheldEntries(history);

        // then the batch keeps one entry per request; the history loses only the emptied version
        assertThat(batch.getEntry()).hasSize(2);
        assertThat(history.getEntry())
                .extracting(Bundle.BundleEntryComponent::getFullUrl)
                .containsExactly(
                        TestRequests.BASE + "/Observation/o1/_history/3",
                        TestRequests.BASE + "/Observation/o1/_history/1");
    }
}
