package org.securefhir.server.encryption;

import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;

/**
 * Server-level key management for admins: {@code POST $rotate-data-keys} (every data key retired,
 * everything re-encrypted under new ones in the background) and {@code GET $encryption-status}
 * (the key-encryption key in use and the progress of the latest rotation). No key material is
 * ever returned.
 */
public final class EncryptionOperations {

    private final KeyRotation rotation;
    private final KeyProvider provider;

    EncryptionOperations(KeyRotation rotation, KeyProvider provider) {
        this.rotation = rotation;
        this.provider = provider;
    }

    @Operation(name = "$rotate-data-keys", idempotent = false)
    public Parameters rotate(RequestDetails request) {
        return render(rotation.rotateDataKeys("request " + request.getRequestId()));
    }

    @Operation(name = "$encryption-status", idempotent = true)
    public Parameters status() {
        Parameters status = new Parameters();
        status.addParameter("keyEncryptionKeyVersion", new StringType(provider.currentVersion()));
        rotation.status()
                .ifPresent(run -> status.getParameter().addAll(render(run).getParameter()));
        return status;
    }

    private static Parameters render(KeyRotation.Run run) {
        Parameters parameters = new Parameters();
        Parameters.ParametersParameterComponent part = parameters.addParameter().setName("rotation");
        part.addPart().setName("id").setValue(new StringType(Long.toString(run.id())));
        part.addPart().setName("reason").setValue(new StringType(run.reason()));
        part.addPart().setName("started").setValue(new DateTimeType(run.started()));
        part.addPart().setName("versionsTotal").setValue(new IntegerType((int) run.totalVersions()));
        part.addPart().setName("versionsDone").setValue(new IntegerType((int) run.doneVersions()));
        part.addPart().setName("elementsReencrypted").setValue(new IntegerType((int) run.rekeyed()));
        part.addPart()
                .setName("finished")
                .setValue(new BooleanType(run.finished().isPresent()));
        run.finished().ifPresent(at -> part.addPart().setName("finishedAt").setValue(new DateTimeType(at)));
        part.addPart().setName("supersededKeysErased").setValue(new IntegerType(run.keysErased()));
        return parameters;
    }
}
