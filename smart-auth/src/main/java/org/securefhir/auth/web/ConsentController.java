package org.securefhir.auth.web;

import java.security.Principal;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.core.oidc.OidcScopes;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsent;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The consent screen (SMART App Launch §2.0.6: the user sees what the app asks for). Every requested
 * scope is listed with a plain description and can be deselected; requesting {@code offline_access}
 * is called out, since it lets the app keep access after the user signs out.
 */
@Controller
final class ConsentController {

    private final RegisteredClientRepository clients;
    private final OAuth2AuthorizationConsentService consents;
    private final OAuth2AuthorizationService authorizations;
    private final PatientPicker picker;

    ConsentController(
            RegisteredClientRepository clients,
            OAuth2AuthorizationConsentService consents,
            OAuth2AuthorizationService authorizations,
            PatientPicker picker) {
        this.clients = clients;
        this.consents = consents;
        this.authorizations = authorizations;
        this.picker = picker;
    }

    /** One line of the consent form. */
    record ScopeChoice(String scope, String description) {}

    @GetMapping("/auth/consent")
    String consent(
            Principal principal,
            @RequestParam(OAuth2ParameterNames.CLIENT_ID) String clientId,
            @RequestParam(name = OAuth2ParameterNames.SCOPE, defaultValue = "") String scope,
            @RequestParam(OAuth2ParameterNames.STATE) String state,
            @RequestParam(name = "q", defaultValue = "") String query,
            Model model) {
        RegisteredClient client = clients.findByClientId(clientId);
        if (client == null) {
            model.addAttribute("error", "Unknown application.");
            return "auth/error";
        }
        OAuth2AuthorizationConsent previous = consents.findById(client.getId(), principal.getName());
        Set<String> alreadyGranted = previous == null ? Set.of() : previous.getScopes();
        Set<String> requested = new LinkedHashSet<>(Arrays.asList(scope.split(" ")));
        requested.removeIf(String::isBlank);
        List<ScopeChoice> toApprove = requested.stream()
                .filter(s -> !OidcScopes.OPENID.equals(s) && !alreadyGranted.contains(s))
                .map(s -> new ScopeChoice(s, ScopeDescriptions.describe(s)))
                .toList();
        model.addAttribute("clientId", clientId);
        model.addAttribute("clientName", client.getClientName());
        model.addAttribute("state", state);
        model.addAttribute("scopes", toApprove);
        model.addAttribute(
                "previouslyGranted",
                alreadyGranted.stream().map(ScopeDescriptions::describe).toList());
        model.addAttribute("offline", requested.contains("offline_access"));
        model.addAttribute("scope", scope);
        boolean pick = requested.contains("launch/patient") && picker.needed(principal.getName());
        model.addAttribute("picker", pick);
        if (pick) {
            OAuth2Authorization authorization = authorizationFor(state, principal);
            if (authorization == null) {
                model.addAttribute("error", "This request has expired. Start again from the app.");
                return "auth/error";
            }
            model.addAttribute("picked", picker.picked(authorization.getId()).orElse(null));
            model.addAttribute("query", query);
            model.addAttribute("matches", query.isBlank() ? List.of() : picker.search(query, principal.getName()));
        }
        return "auth/consent";
    }

    /** The patient picker's choice, for this authorization request; back to the consent screen. */
    @PostMapping("/auth/consent/patient")
    String pickPatient(
            Principal principal,
            @RequestParam(OAuth2ParameterNames.CLIENT_ID) String clientId,
            @RequestParam(name = OAuth2ParameterNames.SCOPE, defaultValue = "") String scope,
            @RequestParam(OAuth2ParameterNames.STATE) String state,
            @RequestParam("patient") String patient,
            Model model) {
        OAuth2Authorization authorization = authorizationFor(state, principal);
        if (authorization == null || !picker.pick(authorization.getId(), patient, principal.getName())) {
            model.addAttribute("error", "That patient cannot be chosen, or this request has expired.");
            return "auth/error";
        }
        return "redirect:"
                + UriComponentsBuilder.fromPath("/auth/consent")
                        .queryParam(OAuth2ParameterNames.CLIENT_ID, clientId)
                        .queryParam(OAuth2ParameterNames.SCOPE, scope)
                        .queryParam(OAuth2ParameterNames.STATE, state)
                        .encode()
                        .toUriString();
    }

    /** The pending authorization request of this user with this state. */
    private OAuth2Authorization authorizationFor(String state, Principal principal) {
        OAuth2Authorization authorization =
                authorizations.findByToken(state, new OAuth2TokenType(OAuth2ParameterNames.STATE));
        return authorization != null && authorization.getPrincipalName().equals(principal.getName())
                ? authorization
                : null;
    }
}
