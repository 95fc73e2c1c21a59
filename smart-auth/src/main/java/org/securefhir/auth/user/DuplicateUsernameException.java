package org.securefhir.auth.user;

/** The user name is already taken (user names are unique ignoring case). */
public final class DuplicateUsernameException extends RuntimeException {

    public DuplicateUsernameException(String username) {
        super("User name already in use: " + username);
    }
}
