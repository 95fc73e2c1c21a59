package org.securefhir.auth.web;

import java.security.Principal;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.core.oidc.OidcScopes;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsent;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The consent screen (SMART App Launch §2.0.6: the user sees what the app asks for). Every requested
 * scope is listed with a plain description and can be deselected; requesting {@code offline_access}
 * is called out, since it lets the app keep access after the user signs out.
 */
@Controller
final class ConsentController {

    private final RegisteredClientRepository clients;
    private final OAuth2AuthorizationConsentService consents;

    ConsentController(RegisteredClientRepository clients, OAuth2AuthorizationConsentService consents) {
        this.clients = clients;
        this.consents = consents;
    }

    /** One line of the consent form. */
    record ScopeChoice(String scope, String description) {}

    @GetMapping("/auth/consent")
    String consent(
            Principal principal,
            @RequestParam(OAuth2ParameterNames.CLIENT_ID) String clientId,
            @RequestParam(name = OAuth2ParameterNames.SCOPE, defaultValue = "") String scope,
            @RequestParam(OAuth2ParameterNames.STATE) String state,
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
        return "auth/consent";
    }
}
